import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobVariant } from '../../src/storage/blob-store.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';

const MiB = 1024 * 1024;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

// The behaviour every store shares is in test/medium/blob-store-contract.test.ts; here, what is the folder's own.
describe('LocalBlobStore', () => {
  let base: string;
  let root: string;
  let store: LocalBlobStore;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'lockframe-blobs-'));
    root = path.join(base, 'blobs');
    store = new LocalBlobStore(root);
    await store.init();
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('stores and returns each variant under root/<first two hex>/<id>.<variant>', async () => {
    const id = randomUUID();
    const bytes: Record<BlobVariant, Buffer> = {
      original: randomBytes(3000),
      display: randomBytes(2000),
      thumbnail: randomBytes(1000),
    };
    for (const [variant, data] of Object.entries(bytes) as Array<[BlobVariant, Buffer]>) {
      await store.put(id, variant, data);
    }
    for (const [variant, data] of Object.entries(bytes) as Array<[BlobVariant, Buffer]>) {
      expect((await store.get(id, variant)).equals(data)).toBe(true);
      expect(await store.stat(id, variant)).toEqual({ size: data.length });
    }
    expect((await filesUnder(root)).sort()).toEqual(
      ['display', 'original', 'thumbnail'].map((v) => path.join(id.slice(0, 2), `${id}.${v}`)),
    );
    expect((await readFile(path.join(root, id.slice(0, 2), `${id}.display`))).equals(bytes.display)).toBe(true);
  });

  it('keeps files and folders private to the server user', async () => {
    const id = randomUUID();
    await store.put(id, 'original', Buffer.from('x'));
    expect(await mode(path.join(root, id.slice(0, 2), `${id}.original`))).toBe(0o600);
    expect(await mode(path.join(root, id.slice(0, 2)))).toBe(0o700);
    expect(await mode(root)).toBe(0o700);
    expect(await mode(path.join(root, 'tmp'))).toBe(0o700);
  });

  it('tightens an existing root folder on init', async () => {
    await chmod(root, 0o755);
    await store.init();
    expect(await mode(root)).toBe(0o700);
  });

  it('leaves no temporary file when it refuses to overwrite', async () => {
    const id = randomUUID();
    await store.put(id, 'original', Buffer.from('first'));
    await expect(store.put(id, 'original', Buffer.from('second'))).rejects.toThrow(/overwrite/);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('never shows a partly written file at the final path', async () => {
    const id = randomUUID();
    const data = randomBytes(48 * MiB);
    const target = path.join(root, id.slice(0, 2), `${id}.original`);
    const seenSizes = new Set<number>();
    let done = false;
    const writing = store.put(id, 'original', data).finally(() => {
      done = true;
    });
    while (!done) {
      if (existsSync(target)) seenSizes.add(statSync(target).size);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writing;
    seenSizes.add(statSync(target).size);
    expect([...seenSizes]).toEqual([data.length]);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('leaves nothing behind when a write fails', async () => {
    const id = randomUUID();
    // A file where the shard folder should be makes the final step fail.
    await writeFile(path.join(root, id.slice(0, 2)), 'in the way');
    await expect(store.put(id, 'display', Buffer.from('data'))).rejects.toThrow();
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    expect(await store.stat(id, 'display')).toBeNull();
  });

  it('clears crash leftovers from tmp on init, and nothing else', async () => {
    const tmp = path.join(root, 'tmp');
    await writeFile(path.join(tmp, 'abc123.tmp'), 'half a file');
    await writeFile(path.join(tmp, 'def456.tmp'), '');
    await writeFile(path.join(tmp, 'keep.txt'), 'not ours');
    const id = randomUUID();
    await store.put(id, 'original', Buffer.from('kept'));

    await new LocalBlobStore(root).init();
    expect(await readdir(tmp)).toEqual(['keep.txt']);
    expect((await store.get(id, 'original')).toString()).toBe('kept');
  });

  it('works when the root does not exist yet, and init can run twice', async () => {
    const nested = new LocalBlobStore(path.join(base, 'a', 'b', 'blobs'));
    await nested.init();
    await nested.init();
    const id = randomUUID();
    await nested.put(id, 'display', Buffer.from('ok'));
    expect((await nested.get(id, 'display')).toString()).toBe('ok');
  });
});
