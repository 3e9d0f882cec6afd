import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/orm.js';
import { renderSchema, SCHEMA_FILE } from '../../src/graphql/emit-schema.js';
import { createMysqlDatabase, databases } from '../support/databases.js';

describe('the GraphQL contract', () => {
  it('schema.graphql matches the resolvers (run `npm run schema` after changing them)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(await renderSchema());
  });

  it('keeps the names docs/contract.md fixes', async () => {
    const sdl = await renderSchema();
    for (const line of [
      'scalar Upload',
      'scalar DateTime',
      // type-graphql emits arguments last-first; their order is not part of the contract.
      'images(order: ImageOrder = UPLOADED, filter: ImageFilter, after: String, first: Int = 24): ImageConnection!',
      'enum ImageOrder {',
      'trashedImages(after: String, first: Int = 24): ImageConnection!',
      'albums: [Album!]!',
      'album(id: ID!): Album',
      'trashImages(ids: [ID!]!): Int!',
      'restoreImages(ids: [ID!]!): Int!',
      'emptyTrash: Int!',
      'setFavorite(favorite: Boolean!, id: ID!): Image!',
      'createAlbum(name: String!): Album!',
      'renameAlbum(name: String!, id: ID!): Album!',
      'deleteAlbum(id: ID!): Boolean!',
      'addToAlbum(imageIds: [ID!]!, albumId: ID!): Album!',
      'removeFromAlbum(imageIds: [ID!]!, albumId: ID!): Album!',
      'images(after: String, first: Int = 24): ImageConnection!',
      'takenAt: DateTime',
      'favorite: Boolean!',
      'trashedAt: DateTime',
      'image(id: ID!): Image',
      'me: User',
      'register(input: RegisterInput!): User!',
      'login(input: LoginInput!): AuthPayload!',
      'logout: Boolean!',
      'uploadImage(file: Upload!): Image!',
      'deleteImage(id: ID!): Boolean!',
    ]) {
      expect(sdl).toContain(line);
    }
  });
});

describe.each(databases)('migrations on %s', (kind) => {
  it('create exactly the schema the entities describe', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-mig-'));
    // The MariaDB driver is the one whose differ settles on MariaDB (docs/decisions.md).
    const db = kind === 'mysql' ? await createMysqlDatabase('mariadb') : undefined;
    const orm = await openDatabase({
      dataDir,
      database: db ? { kind: 'mariadb', url: db.url } : { kind: 'sqlite', file: path.join(dataDir, 'db.sqlite') },
    });
    try {
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
      // Applying again is a no-op.
      expect(await orm.migrator.up()).toEqual([]);
    } finally {
      await orm.close(true);
      await db?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
