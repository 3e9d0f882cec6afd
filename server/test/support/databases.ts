import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/**
 * Databases the integration specs run on. SQLite always; MariaDB/MySQL when reachable at
 * TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306). Under CI=true a missing MySQL fails.
 */
export type DbKind = 'sqlite' | 'mysql';

export const MYSQL_BASE_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

let mysqlAvailable: boolean | undefined;

export async function isMysqlAvailable(): Promise<boolean> {
  if (mysqlAvailable !== undefined) return mysqlAvailable;
  try {
    const conn = await mysql.createConnection({ uri: MYSQL_BASE_URL, connectTimeout: 3000 });
    await conn.end();
    mysqlAvailable = true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`MySQL/MariaDB is required under CI but ${MYSQL_BASE_URL} is unreachable: ${String(error)}`);
    }
    console.warn(`[lockframe tests] SKIPPING the MySQL runs: ${MYSQL_BASE_URL} is unreachable (${String(error)}).`);
    mysqlAvailable = false;
  }
  return mysqlAvailable;
}

/** The kinds to run a spec on; evaluated at collection time. */
export const databases: DbKind[] = ['sqlite', ...((await isMysqlAvailable()) ? (['mysql'] as const) : [])];

/** A fresh, empty MySQL database for one server; drop() removes it. */
export async function createMysqlDatabase(scheme: 'mysql' | 'mariadb' = 'mysql'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `lf_test_${randomBytes(6).toString('hex')}`;
  const conn = await mysql.createConnection({ uri: MYSQL_BASE_URL });
  await conn.query(`create database \`${name}\` character set utf8mb4`);
  await conn.end();
  const base = MYSQL_BASE_URL.replace(/^mysql:/, `${scheme}:`).replace(/\/+$/, '');
  return {
    url: `${base}/${name}`,
    async drop() {
      const c = await mysql.createConnection({ uri: MYSQL_BASE_URL });
      await c.query(`drop database if exists \`${name}\``);
      await c.end();
    },
  };
}
