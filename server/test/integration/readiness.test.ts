import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infrastructureError } from '../../src/db/failures.js';
import { newUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('infrastructure failures as users hear them', () => {
  it('names a full disk STORAGE_FULL and an unreachable or busy database SERVICE_UNAVAILABLE, through wrapped causes', () => {
    expect(infrastructureError(Object.assign(new Error('x'), { code: 'ENOSPC' }))?.code).toBe('STORAGE_FULL');
    expect(infrastructureError(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))?.httpStatus).toBe(507);
    expect(infrastructureError(new Error('wrapped', { cause: Object.assign(new Error('y'), { errno: 1114 }) }))?.code).toBe('STORAGE_FULL');
    expect(infrastructureError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))?.code).toBe('SERVICE_UNAVAILABLE');
    expect(infrastructureError(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }))?.details).toMatchObject({ retryAfterSeconds: 5 });
    expect(infrastructureError(new TypeError('a bug'))).toBeNull();
  });

});

/** /healthz is liveness; /readyz tells whether the database answers and the storage takes writes (docs/hardening.md). */
describe.each(databases)('readiness on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is ready with a database and writable storage', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: 'ok', storage: 'ok' } });
    const user = await newUser(server.url);
    expect((await user.client.gql('{ me { id } }')).data?.me.id).toBe(user.id);
  });

  it('is not ready, and says so, while its storage takes no writes; it stays alive and reads keep working', async () => {
    const user = await newUser(server.url);
    // Where new blobs are written becomes unwritable (a file where the folder was): even root can't write there.
    const tmp = path.join(server.dataDir, 'blobs', 'tmp');
    await rm(tmp, { recursive: true, force: true });
    await writeFile(tmp, '');
    try {
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      const body = (await notReady.json()) as { ok: boolean; checks: Record<string, string> };
      expect(body.ok).toBe(false);
      expect(body.checks.database).toBe('ok');
      expect(body.checks.storage).not.toBe('ok');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await user.client.gql('{ me { id } }')).data?.me.id).toBe(user.id);
    } finally {
      await rm(tmp, { force: true });
      await mkdir(tmp, { mode: 0o700 });
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
