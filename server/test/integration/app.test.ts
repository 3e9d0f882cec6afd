import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, newUser } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('the app shell', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server?.close());

  it('tags every response with a request id and basic security headers', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('serves an offline GraphQL playground that sends the preflight header', async () => {
    const res = await fetch(`${server.url}/playground/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/altair/i);
    // Everything it loads comes from this origin: no CDN.
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(src).not.toMatch(/^(https?:)?\/\//);
    expect(html).toContain('Apollo-Require-Preflight');
    const asset = sources.find((s) => s.endsWith('.js'))!;
    expect((await fetch(new URL(asset, `${server.url}/playground/`))).status).toBe(200);
  });
});

describe('production mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { NODE_ENV: 'production', PUBLIC_URL: 'https://photos.example.com' });
  });
  afterAll(() => server?.close());

  it('turns off the playground and introspection', async () => {
    expect((await fetch(`${server.url}/playground/`)).status).toBe(404);
    const res = await new ApiClient(server.url).gql(`{ __schema { types { name } } }`);
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('uses a Secure __Host- cookie behind an https PUBLIC_URL', async () => {
    const u = await newUser(server.url);
    const res = await new ApiClient(server.url).gql(`mutation($i: LoginInput!) { login(input: $i) { token } }`, {
      i: { username: u.username, password: u.password },
    });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-lockframe_session=/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).not.toMatch(/Domain=/i);
  });
});
