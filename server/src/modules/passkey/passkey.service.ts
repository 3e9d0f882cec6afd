import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createHmac, randomBytes } from 'node:crypto';
import { accountDisabled, AppError, badInput, notFound } from '../../errors.js';
import { isUniqueViolation } from '../../db/database.js';
import type { Account, Scope, SignedInScope } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import { UserRepository } from '../user/user.repository.js';
import type { UserService } from '../user/user.service.js';
import { PasskeyRepository, type PasskeyRecord } from './passkey.repository.js';

const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_PASSKEYS_PER_ACCOUNT = 20;
const MAX_NAME = 64;
/** Far above any real credential id (a few hundred characters at most). */
const MAX_CREDENTIAL_ID = 1023;

export interface PasskeyServiceDeps {
  publicUrl: string;
  users: UserService;
  audit: AuditService;
}

const unverified = () => badInput('The passkey could not be verified. Try again.', 'response');

/** The parts of a WebAuthn answer checked before the library sees it: JSON is anything. */
function credentialIdOf(response: unknown): string {
  if (!response || typeof response !== 'object') throw unverified();
  const { id, response: inner } = response as { id?: unknown; response?: unknown };
  if (typeof id !== 'string' || !id || id.length > MAX_CREDENTIAL_ID || !/^[A-Za-z0-9_-]+$/.test(id)) throw unverified();
  if (!inner || typeof inner !== 'object' || typeof (inner as { clientDataJSON?: unknown }).clientDataJSON !== 'string') throw unverified();
  return id;
}

/**
 * Passkeys (WebAuthn, discoverable credentials, user verification required). Relying party id
 * and origin come from PUBLIC_URL. Challenges are stored, single use and valid 5 minutes;
 * signature counters are checked and advanced with compare-and-set. A passkey login stands for
 * both factors: it proves possession of the device and, by user verification, its PIN or biometric.
 */
export class PasskeyService {
  private readonly rpID: string;
  private readonly origin: string;
  /** Makes stable stand-in credential ids for names with no passkeys, so options tell nothing. */
  private readonly decoyKey = randomBytes(32);

  constructor(
    private readonly deps: PasskeyServiceDeps,
    private readonly passkeys = new PasskeyRepository(),
    private readonly accounts = new UserRepository(),
  ) {
    const url = new URL(deps.publicUrl);
    this.rpID = url.hostname;
    this.origin = url.origin;
  }

  list(scope: SignedInScope): Promise<PasskeyRecord[]> {
    return this.passkeys.listOf(scope.em, scope.viewer.user.id);
  }

  async registrationOptions(scope: SignedInScope): Promise<unknown> {
    const { user } = scope.viewer;
    const existing = await this.passkeys.listOf(scope.em, user.id);
    if (existing.length >= MAX_PASSKEYS_PER_ACCOUNT) throw badInput(`You have ${MAX_PASSKEYS_PER_ACCOUNT} passkeys, the most an account can have. Remove one first.`);
    const options = await generateRegistrationOptions({
      rpName: 'Lockframe',
      rpID: this.rpID,
      userName: user.username,
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      timeout: CHALLENGE_TTL_MS,
    });
    await this.passkeys.insertChallenge(scope.em, { challenge: options.challenge, purpose: 'register', userId: user.id, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) });
    return options;
  }

  async register(scope: SignedInScope, response: unknown, rawName: string): Promise<PasskeyRecord> {
    const { user } = scope.viewer;
    const name = String(rawName ?? '').trim();
    if (!name || Array.from(name).length > MAX_NAME || /\p{Cc}/u.test(name)) throw badInput(`Name the passkey in 1 to ${MAX_NAME} characters.`, 'name');
    credentialIdOf(response);
    let owner: string | null | undefined;
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: async (challenge) => {
          owner = (await this.passkeys.claimChallenge(scope.em, challenge, 'register', new Date()))?.userId;
          return owner === user.id;
        },
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        requireUserVerification: true,
      });
    } catch {
      throw unverified();
    }
    if (!verification.verified || owner !== user.id) throw unverified();
    const { credential } = verification.registrationInfo;
    try {
      const record = await this.passkeys.insert(scope.em, {
        userId: user.id,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        name,
      });
      await this.deps.audit.record(scope, 'passkey.add', user.id, { passkeyId: record.id, name });
      return record;
    } catch (error) {
      if (isUniqueViolation(error)) throw badInput('This passkey is already registered.', 'response');
      throw error;
    }
  }

  async delete(scope: SignedInScope, id: string): Promise<boolean> {
    const { user } = scope.viewer;
    if (!(await this.passkeys.deleteOwned(scope.em, user.id, String(id).slice(0, 64)))) throw notFound('Passkey');
    await this.deps.audit.record(scope, 'passkey.remove', user.id, { passkeyId: id });
    return true;
  }

  /**
   * Options for signing in: with a username, that account's passkeys (a name with none, or no
   * account, gets a stand-in id, so the answer does not tell which names exist); without one, any
   * discoverable passkey of this site.
   */
  async loginOptions(scope: Scope, username: string | null | undefined): Promise<unknown> {
    let userId: string | null = null;
    let allow: Array<{ id: string; transports?: string[] }> | undefined;
    const login = username?.trim().toLowerCase().slice(0, 254);
    if (login) {
      const account = await this.deps.users.findByLogin(scope, login);
      const keys = account ? await this.passkeys.listOf(scope.em, account.id) : [];
      userId = account?.id ?? null;
      allow = keys.length
        ? keys.map((p) => ({ id: p.credentialId, transports: p.transports }))
        : [{ id: createHmac('sha256', this.decoyKey).update(login).digest('base64url') }];
    }
    const options = await generateAuthenticationOptions({ rpID: this.rpID, allowCredentials: allow, userVerification: 'required', timeout: CHALLENGE_TTL_MS });
    await this.passkeys.insertChallenge(scope.em, { challenge: options.challenge, purpose: 'login', userId, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) });
    return options;
  }

  /** The account a passkey assertion proves, after every check; BAD_USER_INPUT (field "response") otherwise. */
  async verifyLogin(scope: Scope, response: unknown): Promise<Account> {
    const credentialId = credentialIdOf(response);
    const passkey = await this.passkeys.findByCredentialId(scope.em, credentialId);
    let claimed: { userId: string | null } | null = null;
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: async (challenge) => {
          claimed = await this.passkeys.claimChallenge(scope.em, challenge, 'login', new Date());
          return claimed !== null;
        },
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        credential: passkey
          ? { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: passkey.counter, transports: passkey.transports }
          : // Unknown credential: verified against nothing, so it fails like a bad signature.
            { id: credentialId, publicKey: new Uint8Array(0), counter: 0 },
        requireUserVerification: true,
      });
    } catch {
      throw unverified();
    }
    const challengeUser = (claimed as { userId: string | null } | null)?.userId;
    if (!passkey || !verification.verified) throw unverified();
    // Options asked for one account's passkeys: another account's passkey does not answer them.
    if (challengeUser && challengeUser !== passkey.userId) throw unverified();
    const { newCounter } = verification.authenticationInfo;
    if (!(await this.passkeys.recordUse(scope.em, passkey.id, passkey.counter, newCounter, new Date()))) throw unverified();
    const found = await this.accounts.findSignInAccount(scope.em, passkey.userId);
    if (!found) throw new AppError('UNAUTHENTICATED', 'This passkey belongs to no account any more.');
    // As with a right password: the passkey was genuine, and the account is switched off.
    if (found.disabled) throw accountDisabled();
    const { disabled: _disabled, ...account } = found;
    return account;
  }

  /** Removes challenges nobody used (a maintenance task). */
  purgeChallenges(scope: Scope): Promise<number> {
    return this.passkeys.deleteExpiredChallenges(scope.em, new Date());
  }
}
