/** The benchmark's database: a fresh one on the local MySQL/MariaDB, else SQLite. */
import { createMysqlDatabase, mysqlVersion } from '../test/support/mysql.js';
import type { Options } from './options.js';

const MYSQL_BASE_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface BenchDatabase {
  kind: 'mysql' | 'sqlite';
  label: string;
  url: string | undefined;
  fallbackReason?: string;
  drop(): Promise<void>;
}

export async function createDatabase(options: Options): Promise<BenchDatabase> {
  const sqlite = (reason?: string): BenchDatabase => ({
    kind: 'sqlite',
    label: 'SQLite (embedded)',
    url: undefined,
    ...(reason ? { fallbackReason: reason } : {}),
    drop: async () => undefined,
  });
  if (options.sqlite) return sqlite();
  const base = new URL(MYSQL_BASE_URL);
  if (base.hostname !== '127.0.0.1' && base.hostname !== 'localhost') {
    throw new Error(`BENCH_MYSQL_URL must point at 127.0.0.1, not ${base.hostname}`);
  }
  let version: string;
  try {
    version = await mysqlVersion(MYSQL_BASE_URL);
  } catch (error) {
    return sqlite(`${MYSQL_BASE_URL} is unreachable (${error instanceof Error ? error.message : String(error)})`);
  }
  const { name, url, drop } = await createMysqlDatabase('mysql', { baseUrl: MYSQL_BASE_URL, prefix: 'lf_bench' });
  const flavour = /mariadb/i.test(version) ? 'MariaDB' : 'MySQL';
  return { kind: 'mysql', label: `${flavour} ${version.replace(/-.*/, '')} (database ${name})`, url, drop };
}
