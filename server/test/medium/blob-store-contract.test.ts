import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { infrastructureError } from '../../src/db/failures.js';
import { AppError } from '../../src/errors.js';
import { BLOB_VARIANTS, StorageUnavailableError, type BlobStore, type BlobVariant, type StoredBlob } from '../../src/storage/blob-store.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { openBlobStore } from '../../src/storage/open-blob-store.js';
import { S3BlobStore } from '../../src/storage/s3-blob-store.js';
import { startS3, type TestS3 } from '../support/s3.js';

/**
 * One contract, every BlobStore: what the upload pipeline, the media routes, the orphan sweep and
 * /readyz rely on holds for the local folder and for an S3 bucket (a real S3 API server, s3rver).
 */
const MiB = 1024 * 1024;

interface Harness {
  store: BlobStore;
  /** How many blobs the backend holds, counted behind the store's back. */
  rawCount(): Promise<number>;
  cleanup(): Promise<void>;
}

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.close();
});

const backends: Array<[string, () => Promise<Harness>]> = [
  [
    'LocalBlobStore',
    async () => {
      const base = await mkdtemp(path.join(tmpdir(), 'lockframe-contract-'));
      const store = new LocalBlobStore(path.join(base, 'blobs'));
      await store.init();
      const rawCount = async () => {
        const entries = await readdir(path.join(base, 'blobs'), { recursive: true, withFileTypes: true });
        return entries.filter((e) => e.isFile() && !e.parentPath.endsWith('tmp')).length;
      };
      return { store, rawCount, cleanup: () => rm(base, { recursive: true, force: true }) };
    },
  ],
  [
    'S3BlobStore',
    async () => {
      // One bucket for all tests: each uses fresh ids, and rawCount counts only objects new since it began.
      const store = openBlobStore(loadEnv({ ...s3.vars, DATA_DIR: tmpdir() }));
      expect(store).toBeInstanceOf(S3BlobStore);
      await store.init();
      const before = new Set(await s3.keys());
      const rawCount = async () => (await s3.keys()).filter((k) => !before.has(k)).length;
      return { store, rawCount, cleanup: async () => store.close() };
    },
  ],
];

async function listed(store: BlobStore): Promise<StoredBlob[]> {
  const all: StoredBlob[] = [];
  for await (const blob of store.list()) all.push(blob);
  return all;
}

describe.each(backends)('BlobStore contract: %s', (_name, make) => {
  let h: Harness;
  beforeEach(async () => {
    h = await make();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('stores and returns each variant byte-exact, with its size', async () => {
    const id = randomUUID();
    const bytes: Record<BlobVariant, Buffer> = { original: randomBytes(3000), display: randomBytes(2000), thumbnail: randomBytes(1000) };
    for (const variant of BLOB_VARIANTS) await h.store.put(id, variant, bytes[variant]);
    for (const variant of BLOB_VARIANTS) {
      expect((await h.store.get(id, variant)).equals(bytes[variant])).toBe(true);
      expect(await h.store.stat(id, variant)).toEqual({ size: bytes[variant].length });
    }
    expect(await h.rawCount()).toBe(3);
  });

  it('stores a blob given in pieces as their concatenation, and an empty blob', async () => {
    const id = randomUUID();
    const parts = [randomBytes(13), randomBytes(MiB), Buffer.alloc(0), randomBytes(16)];
    await h.store.put(id, 'original', parts);
    expect((await h.store.get(id, 'original')).equals(Buffer.concat(parts))).toBe(true);
    await h.store.put(id, 'thumbnail', Buffer.alloc(0));
    expect((await h.store.get(id, 'thumbnail')).length).toBe(0);
    expect(await h.store.stat(id, 'thumbnail')).toEqual({ size: 0 });
  });

  it('keeps a large blob byte-exact', async () => {
    const id = randomUUID();
    const data = randomBytes(40 * MiB);
    await h.store.put(id, 'original', data);
    const back = await h.store.get(id, 'original');
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
  });

  it('answers a missing blob with NOT_FOUND, and stat with null, even when other variants exist', async () => {
    const id = randomUUID();
    const error = await h.store.get(id, 'display').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('NOT_FOUND');
    expect(await h.store.stat(id, 'display')).toBeNull();
    await h.store.put(id, 'original', Buffer.from('x'));
    await expect(h.store.get(id, 'display')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.store.stat(id, 'display')).toBeNull();
  });

  it('never overwrites a blob', async () => {
    const id = randomUUID();
    await h.store.put(id, 'original', Buffer.from('first'));
    await expect(h.store.put(id, 'original', Buffer.from('second'))).rejects.toThrow(/overwrite/);
    expect((await h.store.get(id, 'original')).toString()).toBe('first');
    expect(await h.rawCount()).toBe(1);
  });

  it('delete removes every variant of one id, is idempotent, and spares other ids', async () => {
    const id = randomUUID();
    const other = randomUUID();
    for (const variant of BLOB_VARIANTS) await h.store.put(id, variant, Buffer.from(variant));
    await h.store.put(other, 'original', Buffer.from('other'));
    await h.store.delete(id);
    for (const variant of BLOB_VARIANTS) expect(await h.store.stat(id, variant)).toBeNull();
    await h.store.delete(id);
    await h.store.delete(randomUUID());
    expect((await h.store.get(other, 'original')).toString()).toBe('other');
    expect(await h.rawCount()).toBe(1);
    // Only some variants written (an upload cut short): delete takes what exists.
    const partial = randomUUID();
    await h.store.put(partial, 'display', Buffer.from('d'));
    await h.store.delete(partial);
    expect(await h.rawCount()).toBe(1);
  });

  it('lists every blob with its id, variant and a recent change time', async () => {
    const ids: string[] = [randomUUID(), randomUUID()];
    const started = Date.now() - 5000;
    await h.store.put(ids[0]!, 'original', Buffer.from('a'));
    await h.store.put(ids[0]!, 'thumbnail', Buffer.from('b'));
    await h.store.put(ids[1]!, 'display', Buffer.from('c'));
    const mine = (await listed(h.store)).filter((b) => ids.includes(b.storageId));
    expect(mine.map((b) => `${b.storageId}.${b.variant}`).sort()).toEqual(
      [`${ids[0]}.original`, `${ids[0]}.thumbnail`, `${ids[1]}.display`].sort(),
    );
    for (const blob of mine) {
      expect(blob.mtimeMs).toBeGreaterThanOrEqual(started);
      expect(blob.mtimeMs).toBeLessThanOrEqual(Date.now() + 5000);
    }
  });

  it('probes without leaving anything behind', async () => {
    await h.store.probe();
    await h.store.probe();
    expect(await h.rawCount()).toBe(0);
  });

  it('can be initialised twice', async () => {
    await h.store.init();
    await h.store.init(60_000);
    const id = randomUUID();
    await h.store.put(id, 'display', Buffer.from('ok'));
    expect((await h.store.get(id, 'display')).toString()).toBe('ok');
  });

  describe('refuses ids and variants that are not its own, storing nothing', () => {
    const id = randomUUID();
    const badIds = ['../etc/passwd', 'ABC', '', id.toUpperCase(), `${id}\n`, `${id}/../../x`, `../${id.slice(3)}`, id.replaceAll('-', ''), `${id.slice(0, 35)}g`, `${id}?x=1`, `%2e%2e/${id}`];

    it.each(badIds)('storage id %j', async (bad) => {
      await expect(h.store.put(bad, 'original', Buffer.from('x'))).rejects.toThrow(TypeError);
      await expect(h.store.get(bad, 'original')).rejects.toThrow(TypeError);
      await expect(h.store.stat(bad, 'original')).rejects.toThrow(TypeError);
      await expect(h.store.delete(bad)).rejects.toThrow(TypeError);
      expect(await h.rawCount()).toBe(0);
    });

    it.each(['../original', 'secret', '', 'ORIGINAL', 'original/..'])('variant %j', async (bad) => {
      const variant = bad as BlobVariant;
      await expect(h.store.put(id, variant, Buffer.from('x'))).rejects.toThrow(TypeError);
      await expect(h.store.get(id, variant)).rejects.toThrow(TypeError);
      await expect(h.store.stat(id, variant)).rejects.toThrow(TypeError);
      expect(await h.rawCount()).toBe(0);
    });

    it('non-string ids', async () => {
      await expect(h.store.get(undefined as unknown as string, 'original')).rejects.toThrow(TypeError);
      await expect(h.store.delete(42 as unknown as string)).rejects.toThrow(TypeError);
    });
  });
});

describe('S3BlobStore beyond the contract', () => {
  it('keeps blobs under blobs/<id>.<variant> and lists only objects it could have written', async () => {
    const store = openBlobStore(loadEnv({ ...s3.vars }));
    await store.init();
    try {
      const id = randomUUID();
      await store.put(id, 'original', Buffer.from('sealed bytes'));
      expect((await s3.objects()).get(`blobs/${id}.original`)?.toString()).toBe('sealed bytes');
      // Objects another tool (or an attacker) put in the bucket are not blobs: the sweep never sees them.
      const foreign = ['blobs/readme.txt', `blobs/${id}.secret`, `blobs/../${id}.original`, `other/${randomUUID()}.original`, `blobs/${id.toUpperCase()}.display`];
      for (const key of foreign) await s3.putRaw(key, Buffer.from('not ours'));
      const ids = (await listed(store)).map((b) => `${b.storageId}.${b.variant}`);
      expect(ids).toContain(`${id}.original`);
      expect(ids.every((name) => /^[0-9a-f-]{36}\.(original|display|thumbnail)$/.test(name))).toBe(true);
      expect(ids.filter((name) => name.startsWith(id))).toEqual([`${id}.original`]);
    } finally {
      store.close();
    }
  });

  it('refuses to overwrite an object even though this server ignores If-None-Match (the check before writing)', async () => {
    const store = openBlobStore(loadEnv({ ...s3.vars }));
    try {
      const id = randomUUID();
      await s3.putRaw(`blobs/${id}.display`, Buffer.from('already there'));
      await expect(store.put(id, 'display', Buffer.from('new'))).rejects.toThrow(/overwrite/);
      expect((await s3.objects()).get(`blobs/${id}.display`)?.toString()).toBe('already there');
    } finally {
      store.close();
    }
  });

  it('fails init with a message naming S3_BUCKET for a bucket that does not exist, and never shows the secret', async () => {
    const secret = 'a-very-secret-value-123';
    const store = openBlobStore(loadEnv({ ...s3.vars, S3_BUCKET: 'no-such-bucket', S3_SECRET_ACCESS_KEY: secret }));
    try {
      const error = (await store.init().catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/^S3_BUCKET: the bucket "no-such-bucket"/);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(secret);
    } finally {
      store.close();
    }
  });

  it('says "unavailable" while the S3 server is down, in every operation, and works again once it is back', async () => {
    const settings = loadEnv({ ...s3.vars }).blobStore;
    if (settings.kind !== 's3') throw new Error('expected BLOB_STORE=s3');
    const store = new S3BlobStore({ ...settings, timeoutMs: 2000 });
    const id = randomUUID();
    await store.put(id, 'original', Buffer.from('before'));
    await s3.stop();
    try {
      const attempts: Array<() => Promise<unknown>> = [
        () => store.put(randomUUID(), 'original', Buffer.from('x')),
        () => store.get(id, 'original'),
        () => store.stat(id, 'original'),
        () => store.delete(id),
        () => store.probe(),
        () => listed(store),
        () => store.init(),
      ];
      for (const attempt of attempts) {
        const error = await attempt().then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect(infrastructureError(error)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
      }
    } finally {
      await s3.start();
    }
    expect((await store.get(id, 'original')).toString()).toBe('before');
    await store.probe();
    store.close();
  });
});
