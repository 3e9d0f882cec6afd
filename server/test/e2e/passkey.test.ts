import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsUnavailable, launchBrowser } from '../support/browser.js';
import { ApiClient, newUser, type TestUser } from '../support/client.js';
import { enableMfa } from '../support/mfa.js';
import { freePort, spawnServer, type ServerProcess } from '../support/process.js';

const missing = browserTestsUnavailable('the passkey journey');

type Gql = { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

describe.skipIf(missing !== null)('passkeys in Chromium with a CDP virtual authenticator', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let dataDir: string;
  let origin: string;
  let u: TestUser;

  /** A GraphQL call from the page itself: same origin, its cookies (the session set by a login there). */
  function gql(query: string, variables: Record<string, unknown> = {}): Promise<Gql> {
    return page.evaluate<Gql, readonly [string, Record<string, unknown>]>(
      async ([q, v]) => {
        const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q, variables: v }) });
        return (await res.json()) as Gql;
      },
      [query, variables] as const,
    );
  }

  /** navigator.credentials.create with the server's options, as @simplewebauthn/browser would call it; the credential as JSON. */
  function createCredential(options: unknown): Promise<unknown> {
    // In the page (the test's own tsconfig has no DOM types, hence `any`).
    return page.evaluate(async (json) => {
      const w = globalThis as any;
      const publicKey = w.PublicKeyCredential.parseCreationOptionsFromJSON(json);
      return (await w.navigator.credentials.create({ publicKey })).toJSON();
    }, options);
  }

  function getAssertion(options: unknown, tweak: { userVerification?: 'required' | 'preferred' | 'discouraged' } = {}): Promise<unknown> {
    return page.evaluate(
      async ([json, change]) => {
        const w = globalThis as any;
        const publicKey = w.PublicKeyCredential.parseRequestOptionsFromJSON({ ...(json as object), ...change });
        return (await w.navigator.credentials.get({ publicKey })).toJSON();
      },
      [options, tweak] as const,
    );
  }

  async function passkeyLogin(username?: string): Promise<Gql> {
    const options = await gql(`mutation($u: String) { passkeyLoginOptions(username: $u) }`, { u: username ?? null });
    const assertion = await getAssertion(options.data!.passkeyLoginOptions);
    return gql(`mutation($r: JSON!) { loginWithPasskey(response: $r) { token user { id username mfaEnabled } } }`, { r: assertion });
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-e2e-passkey-'));
    const port = await freePort();
    // WebAuthn needs a domain (not an IP) as relying party: localhost.
    origin = `http://localhost:${port}`;
    server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), PUBLIC_URL: origin });
    ({ browser, page } = await launchBrowser(10_000));
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
    u = await newUser(server.url);
    await page.goto(`${origin}/login`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers a passkey for the signed-in account (user verification required), names it, lists it', async () => {
    const login = await gql(`mutation($i: LoginInput!) { login(input: $i) { user { id } } }`, { i: { username: u.username, password: u.password } });
    expect(login.errors).toBeUndefined();
    const options = await gql(`mutation { passkeyRegistrationOptions }`);
    expect(options.errors).toBeUndefined();
    const creation = options.data!.passkeyRegistrationOptions;
    expect(creation.rp).toEqual({ name: 'Lockframe', id: 'localhost' });
    expect(creation.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });

    const credential = await createCredential(creation);
    const badName = await gql(`mutation($r: JSON!, $n: String!) { registerPasskey(response: $r, name: $n) { id } }`, { r: credential, n: '  ' });
    expect(badName.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    // The refused name burned nothing: the challenge is still good once.
    const added = await gql(`mutation($r: JSON!, $n: String!) { registerPasskey(response: $r, name: $n) { id name createdAt lastUsedAt } }`, { r: credential, n: 'Laptop' });
    expect(added.errors).toBeUndefined();
    expect(added.data!.registerPasskey).toMatchObject({ name: 'Laptop', lastUsedAt: null });
    // The same answer again: its challenge was used up.
    const again = await gql(`mutation($r: JSON!, $n: String!) { registerPasskey(response: $r, name: $n) { id } }`, { r: credential, n: 'Again' });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'response' });
    expect((await gql(`{ passkeys { name } }`)).data!.passkeys).toEqual([{ name: 'Laptop' }]);
  });

  it('logs out, then signs in with the passkey alone (no username), which satisfies MFA', async () => {
    await enableMfa(u.client);
    expect((await gql(`mutation { logout }`)).data!.logout).toBe(true);
    expect((await gql(`{ me { id } }`)).data!.me).toBeNull();
    const res = await passkeyLogin();
    expect(res.errors).toBeUndefined();
    expect(res.data!.loginWithPasskey.user).toMatchObject({ id: u.id, mfaEnabled: true });
    // The session cookie was set for the page.
    expect((await gql(`{ me { id } }`)).data!.me.id).toBe(u.id);
    const [passkey] = (await gql(`{ passkeys { lastUsedAt } }`)).data!.passkeys;
    expect(passkey.lastUsedAt).not.toBeNull();
    // A password alone still needs the code.
    const withPassword = await new ApiClient(server.url).gql(`mutation($i: LoginInput!) { login(input: $i) { token } }`, { i: { username: u.username, password: u.password } });
    expect(withPassword.errors?.[0]?.extensions?.code).toBe('MFA_REQUIRED');
  });

  it('signs in with a username too; another account\'s name does not take this passkey', async () => {
    expect((await passkeyLogin(u.username)).errors).toBeUndefined();
    const other = await newUser(server.url);
    const options = await gql(`mutation($u: String) { passkeyLoginOptions(username: $u) }`, { u: other.username });
    // A name with no passkeys gets a stand-in id: the answer looks like any other.
    expect(options.data!.passkeyLoginOptions.allowCredentials).toHaveLength(1);
    const unknown = await gql(`mutation($u: String) { passkeyLoginOptions(username: $u) }`, { u: 'nobody_here' });
    expect(unknown.data!.passkeyLoginOptions.allowCredentials).toHaveLength(1);
    // Our passkey answering the other name's challenge is refused.
    const discoverable = (await gql(`mutation { passkeyLoginOptions }`)).data!.passkeyLoginOptions;
    const assertion = await getAssertion({ ...discoverable, challenge: options.data!.passkeyLoginOptions.challenge });
    const res = await gql(`mutation($r: JSON!) { loginWithPasskey(response: $r) { token } }`, { r: assertion });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'response' });
  });

  it('refuses a replayed assertion, one without user verification, and junk', async () => {
    const options = (await gql(`mutation { passkeyLoginOptions }`)).data!.passkeyLoginOptions;
    const assertion = await getAssertion(options);
    const login = `mutation($r: JSON!) { loginWithPasskey(response: $r) { token } }`;
    expect((await gql(login, { r: assertion })).errors).toBeUndefined();
    expect((await gql(login, { r: assertion })).errors?.[0]?.extensions?.field).toBe('response');

    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    try {
      const noUv = (await gql(`mutation { passkeyLoginOptions }`)).data!.passkeyLoginOptions;
      // The page asks the authenticator not to verify: the server still requires it.
      const unverified = await getAssertion(noUv, { userVerification: 'discouraged' });
      expect((await gql(login, { r: unverified })).errors?.[0]?.extensions?.field).toBe('response');
    } finally {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    }
    for (const junk of [null, 'x', 42, {}, { id: 'a'.repeat(5000), response: { clientDataJSON: 'x' } }, { id: '../..', response: {} }]) {
      expect((await gql(login, { r: junk })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('a removed passkey no longer signs in', async () => {
    const [passkey] = (await gql(`{ passkeys { id } }`)).data!.passkeys;
    expect((await gql(`mutation($id: ID!) { deletePasskey(id: $id) }`, { id: passkey.id })).data!.deletePasskey).toBe(true);
    expect((await gql(`mutation($id: ID!) { deletePasskey(id: $id) }`, { id: passkey.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await passkeyLogin()).errors?.[0]?.extensions?.field).toBe('response');
  });
});
