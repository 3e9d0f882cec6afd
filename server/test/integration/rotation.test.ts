import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { ApiClient, newUser } from '../support/client.js';
import { createMysqlDatabase, databases } from '../support/databases.js';
import { runCli, spawnServer, type ServerProcess } from '../support/process.js';
import { openRawDb, type Row } from '../support/raw-db.js';

/**
 * Master key rotation with the real CLI (`src/cli/keys.ts`) against a real, running server
 * process that uses the default generated key file: the server keeps serving throughout, every
 * image stays readable byte for byte, an interrupted rotation resumes, and a key can be dropped
 * only once nothing uses it.
 */


const runKeys = (vars: Record<string, string>, ...args: string[]) => runCli('keys', vars, args);

interface KeyFile {
  current: string;
  ids: string[];
}

async function keyFile(dataDir: string): Promise<KeyFile> {
  const data = JSON.parse(await readFile(path.join(dataDir, 'keys', 'master-keys.json'), 'utf8')) as {
    current: string;
    keys: Array<{ id: string }>;
  };
  return { current: data.current, ids: data.keys.map((k) => k.id) };
}

/** Reads and uploads in a loop against the running server, recording anything that goes wrong. */
function startTraffic(client: ApiClient, images: Map<string, Buffer>) {
  const state = { reads: 0, uploads: 0, errors: [] as string[] };
  let stopping = false;
  const loop = (async () => {
    for (let n = 1; !stopping; n++) {
      try {
        const ids = [...images.keys()];
        const id = ids[n % ids.length]!;
        const res = await client.media(`/media/${id}/original`);
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200 || !body.equals(images.get(id)!)) state.errors.push(`read ${id}: ${res.status} ${body.length} bytes`);
        state.reads++;
        if (n % 4 === 0) {
          const bytes = await fixtures.png({ width: 24 + (n % 300), height: 20 });
          const up = await client.upload(bytes, `during-${n}.png`);
          if (up.data?.uploadImage?.id) {
            images.set(up.data.uploadImage.id, bytes);
            state.uploads++;
          } else state.errors.push(`upload: ${up.raw}`);
        }
      } catch (error) {
        state.errors.push(String(error));
      }
      // Steady traffic, not a flood that would starve the CLI of CPU.
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    state,
    async stop() {
      stopping = true;
      await loop;
    },
  };
}

describe.each(databases)('master key rotation on %s', (kind) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let vars: Record<string, string>;
  let dataDir: string;
  let server: ServerProcess;
  let token: string;
  /** Every image the user has, with the bytes it was uploaded with. */
  const images = new Map<string, Buffer>();
  let oldKeyId: string;
  let newKeyId: string;
  /** Four rows as they were under the first key: putting them back is what an interrupted rotation leaves. */
  let underOldKey: Row[];
  /** An album: its name is sealed under its own data key, which rotation re-wraps too. */
  let albumId: string;
  const albumName = 'Rotated trip';

  const client = () => new ApiClient(server.url, token);
  const query = async (sql: string, params: unknown[] = []) => {
    const db = await openRawDb(vars);
    try {
      return await db.all(sql, params);
    } finally {
      await db.close();
    }
  };
  const keyIdOf = async (imageId: string) => String((await query('select key_id from images where id = ?', [imageId]))[0]!.key_id);

  async function expectAllReadable(): Promise<void> {
    const c = client();
    const failures: string[] = [];
    await Promise.all(
      [...images].map(async ([id, bytes]) => {
        const res = await c.media(`/media/${id}/original`);
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200 || !body.equals(bytes)) failures.push(`${id}: ${res.status}`);
      }),
    );
    expect(failures).toEqual([]);
    const list = await c.gql(`{ images(first: 100) { totalCount } }`);
    expect(list.data!.images.totalCount).toBe(images.size);
    const album = await c.gql(`query($id: ID!) { album(id: $id) { name } }`, { id: albumId });
    expect(album.data!.album).toEqual({ name: albumName });
  }

  async function restart(): Promise<void> {
    expect(await server.stop('SIGTERM')).toBe(0);
    server = await spawnServer(vars);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-rotation-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    vars = { DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
    if (kind === 'mysql') {
      const db = await createMysqlDatabase();
      cleanups.push(() => db.drop());
      vars.DATABASE_URL = db.url;
    }
    server = await spawnServer(vars);
    token = (await newUser(server.url)).token;
    for (let i = 0; i < 12; i++) {
      const bytes = await fixtures.jpeg({ width: 40 + i * 4, height: 30 });
      images.set((await client().uploadOk(bytes, `before-${i}.jpg`)).id, bytes);
    }
    const created = await client().gql(`mutation($name: String!) { createAlbum(name: $name) { id } }`, { name: albumName });
    albumId = created.data!.createAlbum.id;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    for (const c of cleanups.reverse()) await c();
  });

  it('rotates to a new key while the running server keeps serving reads and uploads', async () => {
    const before = await keyFile(dataDir);
    expect(before.ids).toEqual([before.current]);
    oldKeyId = before.current;
    const ids = [...images.keys()].slice(0, 4);
    underOldKey = await query(`select id, wrapped_key, key_id from images where id in (?, ?, ?, ?)`, ids);
    expect(underOldKey.map((r) => r.key_id)).toEqual([oldKeyId, oldKeyId, oldKeyId, oldKeyId]);

    const traffic = startTraffic(client(), images);
    while (traffic.state.reads < 3 && traffic.state.errors.length === 0) await new Promise((r) => setTimeout(r, 10));
    const at = { ...traffic.state };
    const rotation = await runKeys(vars, 'rotate');
    const during = { reads: traffic.state.reads - at.reads, uploads: traffic.state.uploads - at.uploads };
    // Keep going a little under the new key, then stop.
    const target = traffic.state.reads + 6;
    while (traffic.state.reads < target && traffic.state.errors.length === 0) await new Promise((r) => setTimeout(r, 10));
    await traffic.stop();

    expect(rotation.code, rotation.stderr).toBe(0);
    newKeyId = /Added master key ([0-9a-f]{16})/.exec(rotation.stdout)?.[1] ?? '';
    expect(newKeyId).toMatch(/^[0-9a-f]{16}$/);
    expect(newKeyId).not.toBe(oldKeyId);
    const rewrapped = Number(/Re-wrapped (\d+) image key\(s\)/.exec(rotation.stdout)?.[1]);
    expect(rewrapped).toBeGreaterThanOrEqual(12);
    expect(await keyFile(dataDir)).toEqual({ current: newKeyId, ids: [oldKeyId, newKeyId] });

    expect(traffic.state.errors).toEqual([]);
    expect(during.reads).toBeGreaterThanOrEqual(3);
    expect(during.uploads).toBeGreaterThanOrEqual(1);
    // The server picked up the new key: what it uploads now is wrapped under it.
    const fresh = await fixtures.jpeg({ width: 33, height: 33 });
    const image = await client().uploadOk(fresh, 'after-rotation.jpg');
    images.set(image.id, fresh);
    expect(await keyIdOf(image.id)).toBe(newKeyId);
    expect((await query('select key_id from albums where id = ?', [albumId]))[0]!.key_id).toBe(newKeyId);
    await expectAllReadable();
  });

  it('refuses to drop the old key while an interrupted rotation has left images under it', async () => {
    // A rotation killed part-way re-wraps row by row, so it leaves the new key current and some
    // rows exactly as they were under the old key. Putting four rows back reproduces that state
    // deterministically (a SIGKILL of the CLI cannot be aimed inside a re-wrap of a few rows).
    for (const row of underOldKey) {
      await query('update images set wrapped_key = ?, key_id = ? where id = ?', [row.wrapped_key, row.key_id, row.id]);
    }
    const pending = Number((await query('select count(*) as n from images where key_id = ?', [oldKeyId]))[0]!.n);
    expect(pending).toBeGreaterThanOrEqual(4);

    const drop = await runKeys(vars, 'drop', oldKeyId);
    expect(drop.code).toBe(1);
    expect(drop.stderr).toContain(`${pending} image(s) still use key ${oldKeyId}`);
    expect(await keyFile(dataDir)).toEqual({ current: newKeyId, ids: [oldKeyId, newKeyId] });
    await expectAllReadable();
  });

  it('resumes the interrupted rotation under the same new key, after which every image is under it', async () => {
    const pending = Number((await query('select count(*) as n from images where key_id = ?', [oldKeyId]))[0]!.n);
    const resumed = await runKeys(vars, 'rotate');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Resuming: ${pending} image key(s) are not yet under the current key ${newKeyId}.`);
    expect(resumed.stdout).toContain(`Re-wrapped ${pending} image key(s).`);
    expect(resumed.stdout).not.toContain('Added master key');
    expect(await keyFile(dataDir)).toEqual({ current: newKeyId, ids: [oldKeyId, newKeyId] });

    const status = await runKeys(vars, 'status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`${newKeyId} (current): ${images.size} image(s), 1 album(s)`);
    expect(status.stdout).toContain(`${oldKeyId}: 0 image(s), 0 album(s)`);
    expect(status.stdout).not.toContain('KEY MISSING');
    const byKey = await query('select key_id, count(*) as n from images group by key_id');
    expect(byKey.map((r) => [r.key_id, Number(r.n)])).toEqual([[newKeyId, images.size]]);
    await expectAllReadable();
  });

  it('drops the old key once no image uses it; the running server still reads everything', async () => {
    const drop = await runKeys(vars, 'drop', oldKeyId);
    expect(drop.code, drop.stderr).toBe(0);
    expect(drop.stdout).toContain(`Removed key ${oldKeyId}`);
    expect(await keyFile(dataDir)).toEqual({ current: newKeyId, ids: [newKeyId] });
    await expectAllReadable();
    await restart();
  });

  it('after a rotation and a drop done right away, new uploads are under the new key and everything survives a restart', async () => {
    // The server looks at the key file every few seconds; it must not keep wrapping new images
    // under a key that was just rotated away and dropped, or they are lost at the next restart.
    const rotation = await runKeys(vars, 'rotate');
    expect(rotation.code, rotation.stderr).toBe(0);
    const thirdKeyId = /Added master key ([0-9a-f]{16})/.exec(rotation.stdout)?.[1] ?? '';
    expect(thirdKeyId).toMatch(/^[0-9a-f]{16}$/);
    const drop = await runKeys(vars, 'drop', newKeyId);
    expect(drop.code, drop.stderr).toBe(0);
    const bytes = await fixtures.jpeg({ width: 77, height: 55 });
    const image = await client().uploadOk(bytes, 'right-after.jpg');
    images.set(image.id, bytes);
    expect(await keyIdOf(image.id)).toBe(thirdKeyId);

    await restart();
    await expectAllReadable();
    expect(await keyFile(dataDir)).toEqual({ current: thirdKeyId, ids: [thirdKeyId] });

    // The dropped keys are really gone: a row put back under the first key no longer opens.
    const [row] = underOldKey;
    const current = (await query('select wrapped_key, key_id from images where id = ?', [row!.id]))[0]!;
    await query('update images set wrapped_key = ?, key_id = ? where id = ?', [row!.wrapped_key, row!.key_id, row!.id]);
    const res = await client().media(`/media/${String(row!.id)}/original`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'INTEGRITY_ERROR' } });
    await query('update images set wrapped_key = ?, key_id = ? where id = ?', [current.wrapped_key, current.key_id, row!.id]);
    await expectAllReadable();
  });
});
