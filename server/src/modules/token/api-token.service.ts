import { randomBytes, randomUUID } from 'node:crypto';
import { badInput, notFound } from '../../errors.js';
import type { Account, Scope } from '../../scope.js';
import { hashToken } from '../session/session.service.js';
import { ApiTokenRepository, type ApiTokenRecord } from './api-token.repository.js';

/** Recognizable prefix: secret scanners and people can tell a Lockframe token at a glance. */
export const API_TOKEN_PREFIX = 'lfk_';
const API_TOKEN_PATTERN = /^lfk_[A-Za-z0-9_-]{43}$/;
const MAX_TOKENS_PER_USER = 50;
const MAX_EXPIRY_DAYS = 3650;
/** How often lastUsedAt is written (and the use audited). */
const TOUCH_INTERVAL_MS = 60_000;

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}

/** Long-lived bearer tokens for scripts. */
export class ApiTokenService {
  constructor(private readonly tokens = new ApiTokenRepository()) {}

  async create(scope: Scope, userId: string, input: { name: string; expiresInDays?: number | null }): Promise<{ token: ApiTokenRecord; secret: string }> {
    const name = input.name.trim().replace(/[\p{Cc}\p{Cf}]/gu, '');
    if (name.length < 1 || name.length > 100) throw badInput('Give the token a name of 1 to 100 characters.', 'name');
    const days = input.expiresInDays;
    if (days != null && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS)) {
      throw badInput(`Expiry must be between 1 and ${MAX_EXPIRY_DAYS} days.`, 'expiresInDays');
    }
    if ((await this.tokens.countOf(scope.em, userId)) >= MAX_TOKENS_PER_USER) {
      throw badInput(`You can have at most ${MAX_TOKENS_PER_USER} API tokens. Revoke one first.`, 'name');
    }
    const secret = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = new Date();
    const token: ApiTokenRecord = {
      id: randomUUID(),
      userId,
      name,
      prefix: secret.slice(0, 12),
      createdAt: now,
      lastUsedAt: null,
      expiresAt: days ? new Date(now.getTime() + days * 86_400_000) : null,
    };
    await this.tokens.insert(scope.em, { ...token, tokenHash: hashToken(secret) });
    return { token, secret };
  }

  list(scope: Scope, userId: string): Promise<ApiTokenRecord[]> {
    return this.tokens.listOf(scope.em, userId);
  }

  async revoke(scope: Scope, userId: string, id: string): Promise<ApiTokenRecord> {
    const token = await this.tokens.findOwned(scope.em, userId, String(id).slice(0, 64));
    if (!token) throw notFound('API token');
    await this.tokens.delete(scope.em, token.id);
    return token;
  }

  revokeAll(scope: Scope, userId: string): Promise<number> {
    return this.tokens.deleteAllOf(scope.em, userId);
  }

  /**
   * The token's row and account, or null when unknown or expired. Records when it was last used,
   * at most once a minute; `touched` says this call did, so the caller can audit the use that often.
   */
  async resolve(scope: Scope, secret: string): Promise<{ token: ApiTokenRecord; user: Account; touched: boolean } | null> {
    if (!API_TOKEN_PATTERN.test(secret)) return null;
    const found = await this.tokens.findByTokenHash(scope.em, hashToken(secret));
    if (!found) return null;
    const { token, user } = found;
    const now = Date.now();
    if (token.expiresAt && token.expiresAt.getTime() <= now) return null;
    const touched = !token.lastUsedAt || now - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS;
    if (touched) {
      token.lastUsedAt = new Date(now);
      // Best effort: a full disk or a busy database must not turn a good token away.
      await this.tokens.touch(scope.em, token.id, token.lastUsedAt).catch((error: unknown) => scope.log.warn({ err: error }, 'could not record an API token use'));
    }
    return { token, user, touched };
  }
}
