import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Orm } from '../../src/db/orm.js';
import { ImageRepository, type NewImage } from '../../src/modules/image/image.repository.js';
import { SessionRepository } from '../../src/modules/session/session.repository.js';
import { ApiTokenRepository } from '../../src/modules/token/api-token.repository.js';
import { UserRepository } from '../../src/modules/user/user.repository.js';
import type { Account } from '../../src/scope.js';
import { createMysqlDatabase, databases } from '../support/databases.js';

async function insertUser(users: UserRepository, em: Orm['em'], name: string): Promise<Account> {
  const account = await users.insert(em, { username: `${name}_${randomBytes(3).toString('hex')}`, email: `${name}@example.com`, passwordHash: name.padEnd(60, 'x') });
  if (!account) throw new Error(`could not insert ${name}`);
  return account;
}

const HOSTILE = ["' or '1'='1", "x' --", '\u0000', 'a\u0000b', '%', '_'.repeat(64), '\\', '😀'.repeat(20)];

function newImage(ownerId: string, createdAt: Date, keyId = 'k1'): NewImage {
  return {
    id: randomUUID(),
    ownerId,
    filenameSealed: 'sealed-name',
    metadataSealed: 'sealed-metadata',
    searchSealed: 'sealed-search',
    wrappedKey: `wrapped-${randomBytes(4).toString('hex')}`,
    keyId,
    mimeType: 'image/jpeg',
    width: 4000,
    height: 3000,
    frames: 1,
    byteSize: 4_000_000,
    storageId: randomUUID(),
    displayMimeType: 'image/jpeg',
    thumbnailMimeType: 'image/webp',
    createdAt,
    favorite: false,
    trashedAt: null,
    contentHash: randomBytes(32).toString('hex'),
    contentHashKeyId: keyId,
  };
}

/** The repositories against each real database, without HTTP: what the services build on. */
describe.each(databases)('repositories on %s', (kind) => {
  let orm: Orm;
  let dataDir: string;
  let drop: (() => Promise<void>) | undefined;
  const users = new UserRepository();
  const sessions = new SessionRepository();
  const tokens = new ApiTokenRepository();
  const images = new ImageRepository();
  let ann: Account;
  let bob: Account;
  const em = () => orm.em.fork();

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-repos-'));
    const db = kind === 'mysql' ? await createMysqlDatabase() : undefined;
    drop = db?.drop;
    orm = await openDatabase({
      dataDir,
      database: db ? { kind: 'mysql', url: db.url } : { kind: 'sqlite', file: path.join(dataDir, 'db.sqlite') },
    });
    ann = await insertUser(users, em(), 'ann');
    bob = await insertUser(users, em(), 'bob');
    await users.markEmailVerified(em(), ann.id);
  });

  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads accounts back as they were written: booleans, roles and dates included', async () => {
    const found = await users.findById(em(), ann.id);
    expect(found).toEqual({ ...ann, emailVerified: true, createdAt: expect.any(Date) });
    expect(found!.createdAt.getTime()).toBe(ann.createdAt.getTime());
    expect((await users.findCredentials(em(), { email: 'bob@example.com' }))?.passwordHash).toBe('bob'.padEnd(60, 'x'));
    expect(await users.findCredentials(em(), { username: bob.username.toUpperCase() })).toBeNull();
  });

  it('answers null for a taken username or address, and binds values so NUL bytes are data', async () => {
    expect(await users.insert(em(), { username: ann.username, email: 'other@example.com', passwordHash: 'h' })).toBeNull();
    expect(await users.insert(em(), { username: 'someone_else', email: 'ann@example.com', passwordHash: 'h' })).toBeNull();
    const odd = await users.insert(em(), { username: `nul\u0000'--`, email: `nul\u0000@example.com`, passwordHash: 'h' });
    expect(odd).not.toBeNull();
    expect((await users.findById(em(), odd!.id))?.email).toBe('nul\u0000@example.com');
  });

  it('finds the session behind a token hash with its account in one lookup, and nothing for anything else', async () => {
    const tokenHash = randomBytes(32).toString('hex');
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 123);
    const record = { id: randomUUID(), userId: ann.id, createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + 3_600_000), userAgent: 'ua', ip: '127.0.0.1' };
    await sessions.insert(em(), { ...record, tokenHash });
    const found = await sessions.findByTokenHash(em(), tokenHash);
    expect(found?.session).toEqual(record);
    expect(found?.user).toMatchObject({ id: ann.id, username: ann.username, emailVerified: true, role: 'USER' });
    for (const hostile of [...HOSTILE, `${tokenHash}' --`, `${tokenHash}\u0000`, tokenHash.toUpperCase()]) {
      expect(await sessions.findByTokenHash(em(), hostile)).toBeNull();
    }
    // Another account cannot end it.
    expect(await sessions.deleteOwned(em(), bob.id, record.id)).toBe(false);
    expect(await sessions.deleteOwned(em(), ann.id, record.id)).toBe(true);
    expect(await sessions.findByTokenHash(em(), tokenHash)).toBeNull();
  });

  it('finds an API token and its account by hash', async () => {
    const tokenHash = randomBytes(32).toString('hex');
    const record = { id: randomUUID(), userId: bob.id, name: 'backup script', prefix: 'lfk_abcd', createdAt: new Date(), lastUsedAt: null, expiresAt: null };
    await tokens.insert(em(), { ...record, tokenHash });
    const found = await tokens.findByTokenHash(em(), tokenHash);
    expect(found?.token).toMatchObject({ id: record.id, name: 'backup script', lastUsedAt: null, expiresAt: null });
    expect(found?.user.id).toBe(bob.id);
    for (const hostile of HOSTILE) expect(await tokens.findByTokenHash(em(), hostile)).toBeNull();
    expect(await tokens.findOwned(em(), ann.id, record.id)).toBeNull();
  });

  it("puts the owner into every image query: another user's id, a missing one or a hostile value finds nothing", async () => {
    const image = newImage(ann.id, new Date());
    await images.insert(em(), image);
    const found = await images.findOwned(em(), ann.id, image.id);
    const { metadataSealed: _m, contentHash: _h, contentHashKeyId: _k, ...record } = image;
    expect(found).toEqual(record);
    expect(await images.findOwned(em(), bob.id, image.id)).toBeNull();
    expect(await images.findOwned(em(), ann.id, randomUUID())).toBeNull();
    for (const hostile of HOSTILE) expect(await images.findOwned(em(), ann.id, hostile)).toBeNull();
    expect(await images.findOwnedMany(em(), bob.id, [image.id])).toEqual([]);
    expect(await images.metadataSealedOf(em(), ann.id, image.id)).toBe('sealed-metadata');
    expect(await images.metadataSealedOf(em(), bob.id, image.id)).toBeNull();
  });

  it('pages newest first by (created_at, id) without gaps or repeats, ties included', async () => {
    const owner = await insertUser(users, em(), 'pager');
    const base = Date.now() - 100_000;
    // Five pairs with the same millisecond: the id breaks the tie.
    const made = Array.from({ length: 10 }, (_, i) => newImage(owner.id, new Date(base + Math.floor(i / 2) * 1000 + 7)));
    for (const image of made) await images.insert(em(), image);
    const expected = [...made].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((i) => i.id);
    const seen: string[] = [];
    let cursor: { createdAt: Date; id: string } | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page = await images.page(em(), owner.id, { state: 'gallery' }, cursor, 3);
      seen.push(...page.map((i) => i.id));
      if (page.length < 3) break;
      cursor = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
    }
    expect(seen).toEqual(expected);
    expect(await images.countOf(em(), owner.id)).toBe(10);
    expect(await images.freshness(em(), owner.id)).toBe(`10/0/${base + 4000 + 7}/0`);
    expect((await images.searchRows(em(), owner.id)).map((r) => r.id)).toEqual(expected);
  });

  it('counts key usage and re-wraps a key only from the key it expects', async () => {
    const image = newImage(bob.id, new Date(), 'old-key');
    await images.insert(em(), image);
    expect((await images.keyUsage(em())).get('old-key')).toBe(1);
    expect(await images.countNotUnderKey(em(), 'old-key')).toBeGreaterThan(0);
    const batch = await images.keysNotUnder(em(), 'new-key', 100, 0);
    expect(batch.find((r) => r.id === image.id)).toEqual({ id: image.id, ownerId: bob.id, wrappedKey: image.wrappedKey, keyId: 'old-key' });
    expect(await images.rewrapKey(em(), image.id, 'some-other-key', { wrappedKey: 'w2', keyId: 'new-key' })).toBe(false);
    expect(await images.rewrapKey(em(), image.id, 'old-key', { wrappedKey: 'w2', keyId: 'new-key' })).toBe(true);
    expect(await images.rewrapKey(em(), image.id, 'old-key', { wrappedKey: 'w3', keyId: 'new-key' })).toBe(false);
    expect((await images.findOwned(em(), bob.id, image.id))?.wrappedKey).toBe('w2');
  });

  it('tells the orphan sweep which storage ids still have a row', async () => {
    const image = newImage(ann.id, new Date());
    await images.insert(em(), image);
    const orphan = randomUUID();
    expect(await images.knownStorageIds(em(), [image.storageId, orphan])).toEqual(new Set([image.storageId]));
    expect(await images.knownStorageIds(em(), [])).toEqual(new Set());
  });

  it('reads and writes through the transaction it runs in, and a rollback leaves nothing', async () => {
    const image = newImage(ann.id, new Date());
    await expect(
      em().transactional(async (tem) => {
        await images.insert(tem, image);
        expect((await images.findOwned(tem, ann.id, image.id))?.id).toBe(image.id);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await images.findOwned(em(), ann.id, image.id)).toBeNull();
  });
});
