import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { ApiClient, newUser } from '../support/client.js';
import { createMysqlDatabase, databases } from '../support/databases.js';
import { spawnServer } from '../support/process.js';

describe.each(databases)('a restart of the real server on %s', (kind) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('keeps users, sessions and images, and shuts down gracefully on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-restart-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const vars: Record<string, string> = { DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'info' };
    if (kind === 'mysql') {
      const db = await createMysqlDatabase();
      cleanups.push(() => db.drop());
      vars.DATABASE_URL = db.url;
    }

    const first = await spawnServer(vars);
    const user = await newUser(first.url);
    const jpeg = await fixtures.jpeg({ width: 320, height: 240 });
    const image = await user.client.uploadOk(jpeg, 'kept.jpg');
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toMatch(/stopped/);

    const second = await spawnServer(vars);
    cleanups.push(() => second.stop());
    // The old session token still works, and so does a fresh login.
    const sameSession = new ApiClient(second.url, user.token);
    const list = await sameSession.gql(`{ images { totalCount nodes { id filename } } }`);
    expect(list.data!.images).toEqual({ totalCount: 1, nodes: [{ id: image.id, filename: 'kept.jpg' }] });
    const relogin = await new ApiClient(second.url).gql(`mutation($i: LoginInput!) { login(input: $i) { token } }`, {
      i: { username: user.username, password: user.password },
    });
    expect(relogin.errors).toBeUndefined();
    const original = await sameSession.media(image.originalUrl);
    expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true);
  });
});
