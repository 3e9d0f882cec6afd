import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import * as fixtures from '../fixtures/images.js';
import { promote } from '../support/admin.js';
import { login } from '../support/accounts.js';
import { ApiClient, newUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Every entry of a zip, by name, read with an independent zip reader (yauzl), checking each CRC. */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, archive) => {
      if (error || !archive) return reject(error);
      const files = new Map<string, Buffer>();
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
          stream.on('error', reject);
        });
      });
      archive.on('end', () => resolve(files));
      archive.on('error', reject);
      archive.readEntry();
    });
  });
}

describe.each(databases)('GET /export (%s)', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('streams every original byte for byte under unique names, with metadata.json', async () => {
    const user = await newUser(server.url);
    const uploads = [
      { name: 'same.jpg', bytes: await fixtures.jpeg({ width: 100, height: 80, gps: { lat: 48.8584, lon: 2.2945 } }) },
      { name: 'same.jpg', bytes: await fixtures.jpeg({ width: 101, height: 80 }) },
      { name: 'SAME.jpg', bytes: await fixtures.png() },
      { name: 'Été à Zürich.webp', bytes: await fixtures.webp() },
    ];
    const ids = new Map<string, Buffer>();
    for (const u of uploads) ids.set((await user.client.uploadOk(u.bytes, u.name)).id, u.bytes);
    // Someone else's photo never appears.
    const other = await newUser(server.url);
    await other.client.uploadOk(await fixtures.jpeg({ width: 50, height: 50 }), 'not-yours.jpg');

    const res = await user.client.media('/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="lockframe-export-/);
    expect(res.headers.get('content-length')).toBeNull(); // streamed, not built first
    const files = await unzip(Buffer.from(await res.arrayBuffer()));

    const meta = JSON.parse(files.get('metadata.json')!.toString('utf8'));
    expect(meta.images).toHaveLength(4);
    expect(meta.skipped).toEqual([]);
    expect([...files.keys()].sort()).toEqual([...meta.images.map((i: { file: string }) => i.file), 'metadata.json'].sort());
    const lower = [...files.keys()].map((n) => n.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['Été à Zürich.webp']));
    for (const entry of meta.images as Array<{ id: string; file: string; originalName: string; byteSize: number }>) {
      const original = ids.get(entry.id)!;
      expect(files.get(entry.file)!.equals(original), entry.file).toBe(true);
      expect(entry.byteSize).toBe(original.length);
    }
    const located = meta.images.filter((i: { metadata: { location?: { latitude: number } } | null }) => i.metadata?.location);
    expect(located).toHaveLength(1);
    expect(located[0].metadata.location.latitude).toBeCloseTo(48.8584, 3);
    expect([...files.keys()].some((n) => n.includes('not-yours'))).toBe(false);
  });

  it('works with the session cookie, is empty-but-valid with no photos, and refuses strangers', async () => {
    const user = await newUser(server.url);
    const signIn = await login(new ApiClient(server.url), user.username, user.password);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(`${server.url}/export`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const files = await unzip(Buffer.from(await res.arrayBuffer()));
    expect([...files.keys()]).toEqual(['metadata.json']);
    expect(JSON.parse(files.get('metadata.json')!.toString()).images).toEqual([]);

    const anon = await fetch(`${server.url}/export`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  it("an admin's export holds only the admin's own photos", async () => {
    const admin = await newUser(server.url);
    await promote(server, admin.username);
    const res = await admin.client.media('/export');
    const files = await unzip(Buffer.from(await res.arrayBuffer()));
    expect([...files.keys()]).toEqual(['metadata.json']);
  });
});
