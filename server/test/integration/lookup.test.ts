import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lookup } from '../../src/db/lookup.js';
import { openDatabase, type Orm } from '../../src/db/orm.js';
import { Image } from '../../src/modules/image/image.entity.js';
import { Session } from '../../src/modules/session/session.entity.js';
import { User } from '../../src/modules/user/user.entity.js';
import { createMysqlDatabase, databases } from '../support/databases.js';

const pick = (s: Session) => ({
  createdAt: s.createdAt,
  lastSeenAt: s.lastSeenAt,
  expiresAt: s.expiresAt,
  userAgent: s.userAgent,
  ip: s.ip,
});

/** The hot lookups (sessions, API tokens, media access) against what em.findOne gives, on each real database. */
describe.each(databases)('Lookup on %s', (kind) => {
  let orm: Orm;
  let dataDir: string;
  let drop: (() => Promise<void>) | undefined;
  const bySessionHash = new Lookup(Session, ['tokenHash'], 'user');
  const byIdAndOwner = new Lookup(Image, ['id', 'owner']);
  const users: User[] = [];
  let session: Session;
  let image: Image;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-lookup-'));
    const db = kind === 'mysql' ? await createMysqlDatabase() : undefined;
    drop = db?.drop;
    orm = await openDatabase({
      dataDir,
      database: db ? { kind: 'mysql', url: db.url } : { kind: 'sqlite', file: path.join(dataDir, 'db.sqlite') },
    });
    const em = orm.em.fork();
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 123);
    for (const name of ['ann', 'bob']) {
      users.push(
        em.create(User, {
          id: randomUUID(),
          username: `${name}_${randomBytes(3).toString('hex')}`,
          email: `${name}@example.com`,
          passwordHash: 'x'.repeat(60),
          emailVerified: name === 'ann',
          createdAt: now,
        }),
      );
    }
    session = em.create(Session, {
      id: randomUUID(),
      user: users[0]!,
      tokenHash: randomBytes(32).toString('hex'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
      userAgent: null,
      ip: '127.0.0.1',
    });
    image = em.create(Image, {
      id: randomUUID(),
      owner: users[0]!,
      filenameSealed: 'sealed-name',
      metadataSealed: 'sealed-metadata',
      searchSealed: 'sealed-search',
      wrappedKey: 'wrapped',
      keyId: 'k1',
      mimeType: 'image/jpeg',
      width: 4000,
      height: 3000,
      frames: 1,
      byteSize: 4_000_000,
      storageId: randomUUID(),
      displayMimeType: 'image/jpeg',
      thumbnailMimeType: 'image/webp',
      createdAt: now,
    });
    await em.flush();
  });

  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds what em.findOne finds, with the joined relation loaded', async () => {
    const viaFindOne = await orm.em.fork().findOne(Session, { tokenHash: session.tokenHash }, { populate: ['user'] });
    const found = await bySessionHash.find(orm.em.fork(), [session.tokenHash]);
    expect(found).not.toBeNull();
    const plain = (s: Session) => ({
      id: s.id,
      tokenHash: s.tokenHash,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      userAgent: s.userAgent,
      ip: s.ip,
      user: (({ id, username, email, emailVerified, passwordHash, createdAt }) => ({
        id,
        username,
        email,
        emailVerified,
        passwordHash,
        createdAt: createdAt.toISOString(),
      }))(s.user.getEntity()),
    });
    expect(found!.user.isInitialized()).toBe(true);
    expect(plain(found!)).toEqual(plain(viaFindOne!));
    expect(found!.createdAt).toBeInstanceOf(Date);
    expect(found!.user.getEntity().emailVerified).toBe(true);
  });

  it('gives managed entities: the identity map knows them and changes flush', async () => {
    const em = orm.em.fork();
    const found = await bySessionHash.find(em, [session.tokenHash]);
    expect(await em.findOne(Session, { id: session.id })).toBe(found);
    expect(await em.findOne(User, { id: users[0]!.id })).toBe(found!.user.getEntity());
    const later = new Date(session.lastSeenAt.getTime() + 5000);
    found!.lastSeenAt = later;
    await em.flush();
    const reread = await orm.em.fork().findOne(Session, { id: session.id });
    expect(reread!.lastSeenAt.getTime()).toBe(later.getTime());
  });

  it('reads through the transaction it runs in', async () => {
    const hash = randomBytes(32).toString('hex');
    await expect(
      orm.em.fork().transactional(async (tem) => {
        tem.create(Session, { ...pick(session), id: randomUUID(), user: tem.getReference(User, users[1]!.id), tokenHash: hash });
        await tem.flush();
        const inside = await bySessionHash.find(tem, [hash]);
        expect(inside?.user.getEntity().username).toBe(users[1]!.username);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await bySessionHash.find(orm.em.fork(), [hash])).toBeNull();
  });

  it('leaves lazy columns out, as findOne does, and they load on demand', async () => {
    const em = orm.em.fork();
    const found = await byIdAndOwner.find(em, [image.id, users[0]!.id]);
    expect(found!.filenameSealed).toBe('sealed-name');
    expect(found!.metadataSealed).toBeUndefined();
    expect(found!.searchSealed).toBeUndefined();
    await em.populate(found!, ['metadataSealed']);
    expect(found!.metadataSealed).toBe('sealed-metadata');
  });

  it('matches every key: another owner, a missing id or a hostile value finds nothing', async () => {
    expect((await byIdAndOwner.find(orm.em.fork(), [image.id, users[0]!.id]))?.storageId).toBe(image.storageId);
    expect(await byIdAndOwner.find(orm.em.fork(), [image.id, users[1]!.id])).toBeNull();
    expect(await byIdAndOwner.find(orm.em.fork(), [randomUUID(), users[0]!.id])).toBeNull();
    for (const hostile of ["' or '1'='1", `${session.tokenHash}' --`, `${session.tokenHash}\u0000`, '\u0000', '%', '_'.repeat(64)]) {
      expect(await bySessionHash.find(orm.em.fork(), [hostile])).toBeNull();
    }
  });
});
