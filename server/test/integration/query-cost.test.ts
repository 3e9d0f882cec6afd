import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const page = (alias: string, first: string) => `${alias}: images(first: ${first}) { nodes { metadata } }`;

/**
 * The cost limit counts list sizes and expensive fields: metadata under six aliases of
 * `images(first: 100)` took 1.2 CPU-s and 23 MiB per request and stalled everyone else (docs/hardening.md).
 */
describe.each(databases)('query cost on %s', (kind) => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer(kind);
    user = await newUser(server.url);
    await user.client.uploadOk(await fixtures.jpeg({ width: 64, height: 48, gps: { lat: 51.5, lon: -0.12 } }), 'a.jpg');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses six pages of 100 with metadata before running them, with the cost and the limit', async () => {
    const res = await user.client.gql(`{ ${['a', 'b', 'c', 'd', 'e', 'f'].map((a) => page(a, '100')).join(' ')} }`);
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors![0]!.extensions).toMatchObject({ limit: 5000 });
    expect(res.errors![0]!.extensions!.cost as number).toBeGreaterThan(5000);
    expect(res.errors![0]!.message).toMatch(/fewer items per page/);
    expect(res.data).toBeUndefined();
  });

  it('counts list sizes given in variables', async () => {
    const viaVariables = await user.client.gql(
      `query($n: Int) { ${['a', 'b', 'c'].map((a) => page(a, '$n')).join(' ')} }`,
      { n: 100 },
    );
    expect(codeOf(viaVariables)).toBe('QUERY_TOO_COMPLEX');
    const small = await user.client.gql(`query($n: Int) { ${['a', 'b', 'c'].map((a) => page(a, '$n')).join(' ')} }`, { n: 5 });
    expect(small.errors).toBeUndefined();
    expect(small.data?.a.nodes).toHaveLength(1);

  });

  it('lets a full page of 100 with metadata through, as a client showing details needs', async () => {
    const res = await user.client.gql(`{ ${page('a', '100')} }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.a.nodes[0].metadata).toBeTruthy();
  });
});
