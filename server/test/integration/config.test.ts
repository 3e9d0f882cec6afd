import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('serverConfig', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { MAX_UPLOAD_BYTES: '1000000', PASSWORD_POLICY: 'nist', REQUIRE_EMAIL_VERIFICATION: 'true' });
  });
  afterAll(() => server?.close());

  it('tells any client the limits and policies it must pre-check against, without login', async () => {
    const res = await new ApiClient(server.url).gql(
      `{ serverConfig { maxUploadBytes maxImagePixels passwordPolicy emailVerificationRequired } }`,
    );
    expect(res.data!.serverConfig).toEqual({
      maxUploadBytes: 1_000_000,
      maxImagePixels: 40_000_000,
      passwordPolicy: 'NIST',
      emailVerificationRequired: true,
    });
  });
});
