import { chmod } from 'node:fs/promises';
import { MikroORM } from '@mikro-orm/core';
import type { Env } from '../config/env.js';
import { buildOrmConfig } from './orm-config.js';

// The driver is chosen at run time, so the app sees the driver-agnostic type.
export type Orm = MikroORM;

/** Connects and applies pending migrations (never schema:update — MySQL DDL can't roll back). */
export async function openDatabase(env: Pick<Env, 'database' | 'dataDir'>): Promise<Orm> {
  const orm = (await MikroORM.init(buildOrmConfig(env) as Parameters<typeof MikroORM.init>[0])) as unknown as Orm;
  try {
    await orm.migrator.up();
    if (env.database.kind === 'sqlite') {
      // Foreign keys are off by default in SQLite; WAL keeps readers off the writer's back.
      await orm.em.getConnection().execute('pragma foreign_keys = on');
      await orm.em.getConnection().execute('pragma journal_mode = wal');
      // Private to this user, like the key file, whatever the umask or an existing DATA_DIR allow.
      for (const file of [env.database.file, `${env.database.file}-wal`, `${env.database.file}-shm`]) {
        await chmod(file, 0o600).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
    }
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
