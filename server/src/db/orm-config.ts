import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig as defineMariaDbConfig } from '@mikro-orm/mariadb';
import { defineConfig as defineMySqlConfig } from '@mikro-orm/mysql';
import { defineConfig as defineSqliteConfig } from '@mikro-orm/sqlite';
import type { Env } from '../config/env.js';
import { mysqlMigrations, sqliteMigrations } from '../migrations/index.js';
import { entities } from './entities.js';
import { VaultSqliteDriver } from './sqlite-dialect.js';

const common = {
  entities,
  // Migrations are listed explicitly so tsc output, tsx and vitest all run the same set.
  migrations: { tableName: 'mikro_orm_migrations', transactional: true, allOrNothing: true, silent: true, snapshot: false, snapshotOnMigrate: false },
  forceUtcTimezone: true,
  debug: false,
  allowGlobalContext: false,
  discovery: { warnWhenNoEntities: true },
};

/** One config per driver, each with its own defineConfig so the types stay exact. */
export function buildOrmConfig(env: Pick<Env, 'database' | 'dataDir'>) {
  const db = env.database;
  if (db.kind === 'sqlite') {
    mkdirSync(path.dirname(db.file), { recursive: true, mode: 0o700 });
    return defineSqliteConfig({
      ...common,
      dbName: db.file,
      // Makes sure a transaction that a full disk ended still gives the connection back.
      driver: VaultSqliteDriver,
      extensions: [Migrator],
      migrations: { ...common.migrations, migrationsList: sqliteMigrations, path: 'src/migrations/sqlite' },
    });
  }
  // MySQL 8.4 is the production target; MariaDB (as on the test machines) gets its own driver,
  // whose schema differ settles. Both run the same reviewed MySQL migrations.
  const migrations = { ...common.migrations, migrationsList: mysqlMigrations, path: 'src/migrations/mysql' };
  if (db.kind === 'mariadb') {
    return defineMariaDbConfig({
      ...common,
      clientUrl: db.url.replace(/^mariadb:/, 'mysql:'),
      extensions: [Migrator],
      migrations,
    });
  }
  return defineMySqlConfig({ ...common, clientUrl: db.url, extensions: [Migrator], migrations });
}
