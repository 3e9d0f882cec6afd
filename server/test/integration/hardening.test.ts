import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, type GqlResponse } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const BUILT_INDEX = fileURLToPath(new URL('../../../client/build/index.html', import.meta.url));
const INLINE_BOOT = 'window.__lockframeBoot = { started: Date.now() };';
const SYNTHETIC_INDEX = `<!doctype html><html><head><title>Lockframe</title></head>
<body><script>${INLINE_BOOT}</script><script type="module" src="/_app/start.js"></script></body></html>`;

/** A Content-Security-Policy header as a map of directive → sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), sources);
  }
  return map;
}

/** Nothing that looks like a stack trace or a server-side file path. */
function expectNoStack(raw: string) {
  expect(raw).not.toMatch(/stacktrace/i);
  expect(raw).not.toMatch(/\bat [\w.<>]+ \(/);
  expect(raw).not.toMatch(/\.(ts|js|mjs|cjs):\d+/);
  expect(raw).not.toMatch(/node_modules|\/work\/|file:\/\//);
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

// Every test makes its own users (and client addresses), so the tests run concurrently.
describe.concurrent.each(databases)('hardening on real responses on %s', (kind) => {
  /** NODE_ENV=production behind an https PUBLIC_URL, serving a client with an inline boot script. */
  let prod: TestServer;
  /** Development defaults over http, serving the real built client when there is one. */
  let dev: TestServer;
  let clientDirs: string;

  beforeAll(async () => {
    clientDirs = await mkdtemp(path.join(tmpdir(), 'lockframe-client-'));
    const synthetic = path.join(clientDirs, 'synthetic');
    const built = path.join(clientDirs, 'built');
    await mkdir(synthetic);
    await mkdir(built);
    await writeFile(path.join(synthetic, 'index.html'), SYNTHETIC_INDEX);
    // A copy, so a client build running meanwhile can't change it under the test.
    if (existsSync(BUILT_INDEX)) await copyFile(BUILT_INDEX, path.join(built, 'index.html'));
    else await writeFile(path.join(built, 'index.html'), SYNTHETIC_INDEX);
    [prod, dev] = await Promise.all([
      startTestServer(kind, { NODE_ENV: 'production', PUBLIC_URL: 'https://photos.example.com', CLIENT_DIR: synthetic }),
      startTestServer(kind, { CLIENT_DIR: built }),
    ]);
  });
  afterAll(async () => {
    await prod?.close();
    await dev?.close();
    await rm(clientDirs, { recursive: true, force: true });
  });

  describe('security headers', () => {
    it('sends nosniff, no-referrer, frame denial and a Permissions-Policy on every kind of response', async () => {
      for (const server of [prod, dev]) {
        const responses = [
          await fetch(`${server.url}/healthz`),
          await post(server.url, JSON.stringify({ query: Q.me })),
          await fetch(`${server.url}/`, { headers: { accept: 'text/html' } }),
          await fetch(`${server.url}/media/00000000-0000-4000-8000-000000000000/display`),
          await post(server.url, '{"query": '),
        ];
        for (const res of responses) {
          expect(res.headers.get('x-content-type-options')).toBe('nosniff');
          expect(res.headers.get('referrer-policy')).toBe('no-referrer');
          expect(res.headers.get('x-frame-options')).toBe('DENY');
          expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\).*microphone=\(\).*geolocation=\(\)/);
          expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
          expect(res.headers.get('x-powered-by')).toBeNull();
        }
      }
    });

    it('sends Strict-Transport-Security only when PUBLIC_URL is https', async () => {
      const https = await fetch(`${prod.url}/healthz`);
      expect(https.headers.get('strict-transport-security')).toMatch(/max-age=31536000; includeSubDomains/);
      const http = await fetch(`${dev.url}/healthz`);
      expect(http.headers.get('strict-transport-security')).toBeNull();
    });

    it.each([
      ['the built client', () => dev],
      ['a client with an inline boot script', () => prod],
    ])('serves %s with a strict CSP: no inline scripts but hashed ones, no plugins, no base, no framing', async (_name, pick) => {
      const server = pick();
      for (const page of ['/', '/images/some-id', '/login']) {
        const res = await fetch(`${server.url}${page}`, { headers: { accept: 'text/html' } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/text\/html/);
        const csp = parseCsp(res.headers.get('content-security-policy'));
        const scripts = csp.get('script-src') ?? csp.get('default-src');
        expect(scripts).toBeDefined();
        expect(scripts).toContain("'self'");
        for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:']) expect(scripts).not.toContain(unsafe);
        expect(csp.get('object-src')).toEqual(["'none'"]);
        expect(csp.get('base-uri')).toEqual(["'none'"]);
        expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
        expect(csp.get('default-src')).toEqual(["'self'"]);
        // Every inline script of the page is allowed by its hash, and nothing else inline is.
        const html = await res.text();
        const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]!).filter((b) => b.trim());
        const hashes = (scripts ?? []).filter((s) => s.startsWith("'sha256-"));
        expect(hashes.sort()).toEqual(inline.map((b) => `'sha256-${createHash('sha256').update(b).digest('base64')}'`).sort());
      }
    });

    it('hashes the inline boot script into script-src', async () => {
      const res = await fetch(`${prod.url}/`, { headers: { accept: 'text/html' } });
      const scripts = parseCsp(res.headers.get('content-security-policy')).get('script-src')!;
      expect(scripts).toContain(`'sha256-${createHash('sha256').update(INLINE_BOOT).digest('base64')}'`);
    });

    it('answers GraphQL with a deny-all CSP and no-store', async () => {
      const res = await post(prod.url, JSON.stringify({ query: Q.me }));
      expect(parseCsp(res.headers.get('content-security-policy')).get('default-src')).toEqual(["'none'"]);
      expect(res.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('cross-origin requests', () => {
    it('sends no CORS headers to another origin, for requests and preflights alike', async () => {
      const evil = { origin: 'https://evil.example' };
      const u = await newUser(prod.url);
      const simple = await post(prod.url, JSON.stringify({ query: Q.me }), { ...evil, authorization: `Bearer ${u.token}` });
      const preflight = await fetch(`${prod.url}/graphql`, {
        method: 'OPTIONS',
        headers: { ...evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
      const media = await fetch(`${prod.url}/media/00000000-0000-4000-8000-000000000000/original`, { headers: evil });
      for (const res of [simple, preflight, media]) {
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        expect(res.headers.get('access-control-allow-headers')).toBeNull();
      }
    });

    it('refuses the requests a cross-site form could send without a preflight (CSRF)', async () => {
      const u = await newUser(prod.url);
      const cookie = `__Host-lockframe_session=${u.token}`;
      const asText = await post(prod.url, JSON.stringify({ query: Q.logout }), {
        'content-type': 'text/plain',
        origin: 'https://evil.example',
        cookie,
      });
      expect(asText.status).toBe(400);
      const asForm = await post(prod.url, `query=${encodeURIComponent(Q.logout)}`, {
        'content-type': 'application/x-www-form-urlencoded',
        cookie,
      });
      expect(asForm.status).toBeGreaterThanOrEqual(400);
      expect(asForm.status).toBeLessThan(500);
      // Still logged in.
      expect((await new ApiClient(prod.url).gql(Q.me, undefined, { cookie })).data!.me.id).toBe(u.id);
    });
  });

  describe('cookies', () => {
    it('behind https: a __Host- cookie, Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain, which authenticates', async () => {
      const u = await newUser(prod.url);
      const res = await login(new ApiClient(prod.url), u.username, u.password);
      const cookie = res.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^__Host-lockframe_session=[A-Za-z0-9_-]{43};/);
      for (const flag of [/;\s*Secure/i, /;\s*HttpOnly/i, /;\s*SameSite=Lax/i, /;\s*Path=\/(;|$)/i, /;\s*Max-Age=\d+/i]) expect(cookie).toMatch(flag);
      expect(cookie).not.toMatch(/Domain=/i);
      const pair = cookie.split(';')[0]!;
      expect((await new ApiClient(prod.url).gql(Q.me, undefined, { cookie: pair })).data!.me.id).toBe(u.id);
      // The plain name is not read behind https.
      const plain = `lockframe_session=${pair.split('=')[1]}`;
      expect((await new ApiClient(prod.url).gql(Q.me, undefined, { cookie: plain })).data!.me).toBeNull();
      // Logging out clears it with the same attributes.
      const out = await new ApiClient(prod.url).gql(Q.logout, undefined, { cookie: pair });
      expect(out.headers.get('set-cookie')).toMatch(/^__Host-lockframe_session=;.*Secure/i);
    });
  });

  describe('GraphQL limits', () => {
    const expectRefused = (res: GqlResponse, message: RegExp) => {
      expect(res.status).toBe(400);
      expect(res.data ?? null).toBeNull();
      expect(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_USER_INPUT']).toContain(codeOf(res));
      expect(res.errors!.map((e) => e.message).join('\n')).toMatch(message);
      expectNoStack(res.raw);
    };

    it('refuses an over-deep query', async () => {
      let selection = 'name';
      for (let i = 0; i < 9; i++) selection = `ofType { ${selection} }`;
      const res = await new ApiClient(dev.url).gql(`{ __type(name: "Query") { fields { type { ${selection} } } } }`);
      expectRefused(res, /depth limit of 8 exceeded/i);
    });

    it('refuses more than 15 aliases, and accepts 15', async () => {
      const u = await newUser(dev.url);
      const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `m${i}: me { id }`).join(' ')} }`;
      expectRefused(await u.client.gql(aliases(16)), /Aliases limit of 15 exceeded/);
      const ok = await u.client.gql(aliases(15));
      expect(ok.errors).toBeUndefined();
      expect(ok.data!.m14.id).toBe(u.id);
    });

    it('refuses an over-costly query', async () => {
      const u = await newUser(dev.url);
      const res = await u.client.gql(
        `{ images(first: 1000) { totalCount nodes { id filename mimeType width height byteSize createdAt url thumbnailUrl originalUrl } } }`,
      );
      expectRefused(res, /Cost limit of 5000 exceeded/i);
    });

    it('refuses an over-long query (token count)', async () => {
      const res = await new ApiClient(dev.url).gql(`{ me { ${'id '.repeat(2100)}} }`);
      // graphql-js words it "more that 2000 tokens".
      expectRefused(res, /more tha[nt] 2000 tokens/);
    });

    it('answers a syntax error with a 400, not a server error', async () => {
      for (const query of ['{', '{ me { id }', 'mutation { login(input: { username: "a" password: }) { token } }', '}}}}']) {
        const res = await new ApiClient(dev.url).gql(query);
        expect(res.status).toBe(400);
        expect(codeOf(res)).toBe('GRAPHQL_PARSE_FAILED');
        expect(res.errors![0]!.message).toMatch(/^Syntax Error/);
        expectNoStack(res.raw);
      }
    });

    it('refuses too many directives', async () => {
      const fields = Array.from({ length: 11 }, (_, i) => `f${i}: id @include(if: true)`).join(' ');
      const res = await new ApiClient(dev.url).gql(`{ me { ${fields} } }`);
      expectRefused(res, /Directives limit of 10 exceeded/);
    });

    it('answers a JSON body over the 100 KiB limit with 413 and no stack trace', async () => {
      const res = await post(prod.url, JSON.stringify({ query: Q.me, variables: { pad: 'x'.repeat(150 * 1024) } }));
      expect(res.status).toBe(413);
      const raw = await res.text();
      expect(JSON.parse(raw).errors[0].extensions.code).toBe('BAD_REQUEST');
      expectNoStack(raw);
    });
  });

  describe('production mode', () => {
    it('turns introspection off', async () => {
      const anon = new ApiClient(prod.url);
      for (const query of [`{ __schema { types { name } } }`, `{ __type(name: "User") { fields { name } } }`]) {
        const res = await anon.gql(query);
        expect(res.status).toBe(400);
        expect(res.errors![0]!.message).toMatch(/introspection/i);
        expect(res.raw).not.toMatch(/"fields"\s*:\s*\[/);
      }
      // On: the development server answers the same query.
      expect((await new ApiClient(dev.url).gql(`{ __type(name: "User") { name } }`)).data).toEqual({ __type: { name: 'User' } });
    });

    it('hides field, argument and input-field suggestions', async () => {
      const typos = [
        `{ mee { id } }`,
        `{ me { usernam } }`,
        `{ images(frist: 1) { totalCount } }`,
        `mutation { login(input: { usernme: "a", password: "b" }) { token } }`,
      ];
      for (const query of typos) {
        const res = await new ApiClient(prod.url).gql(query);
        expect(res.status).toBe(400);
        expect(res.errors!.length).toBeGreaterThan(0);
        expect(res.raw).not.toMatch(/Did you mean/i);
        expect(res.raw).not.toMatch(/"(me|username|first)"/);
        // The development server does suggest, so this check can see them.
        const devRes = await new ApiClient(dev.url).gql(query);
        expect(devRes.raw).toMatch(/Did you mean/);
      }
    });
  });

  it('never sends a stack trace, whatever the request', async () => {
    const u = await newUser(prod.url);
    const answers: Array<{ status: number; raw: string }> = [];
    const keep = async (res: Response) => answers.push({ status: res.status, raw: await res.text() });
    const bearer = { authorization: `Bearer ${u.token}` };
    const json = (body: unknown, headers: Record<string, string> = {}) => post(prod.url, JSON.stringify(body), headers);
    await keep(await post(prod.url, '{"query": '));
    await keep(await post(prod.url, '[]'));
    await keep(await json({ query: 123 }));
    await keep(await json({ query: '{ me { id } }', variables: 'nope' }));
    await keep(await json({ query: 'query($n: Int) { images(first: $n) { totalCount } }', variables: { n: 'many' } }, bearer));
    await keep(await json({ query: '{ images(after: "not-a-cursor") { totalCount } }' }, bearer));
    await keep(await json({ query: '{ me { id } } query B { me { id } }' }));
    await keep(await json({ query: '{ me { id } }', operationName: 'Missing' }));
    await keep(await json({ query: `mutation { verifyEmail(token: "${'A'.repeat(43)}") { id } }` }));
    await keep(await json({ query: 'mutation { deleteImage(id: "../../etc/passwd") }' }, bearer));
    await keep(await post(prod.url, '\u0000\u0001binary', { 'content-type': 'application/octet-stream' }));
    await keep(
      await fetch(`${prod.url}/graphql`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\n' }),
    );
    await keep(await fetch(`${prod.url}/graphql?query=%7B`, { headers: { 'apollo-require-preflight': 'true' } }));
    await keep(await fetch(`${prod.url}/media/%E0%A4%A/display`, { headers: bearer }));
    await keep(await fetch(`${prod.url}/media/../../etc/passwd/display`));
    expect(answers.length).toBe(15);
    for (const { status, raw } of answers) {
      expect(status).toBeLessThan(500);
      expectNoStack(raw);
    }
  });
});
