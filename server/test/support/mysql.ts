import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/**
 * Throwaway MySQL/MariaDB databases, for the specs (through databases.ts) and the benchmark.
 * No top-level work here: importing this module contacts no server.
 */
export const MYSQL_BASE_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

const CONNECT_TIMEOUT_MS = 3000;

/** The server's version string (e.g. `10.11.6-MariaDB-0+deb12u1`); throws when it is unreachable. */
export async function mysqlVersion(baseUrl = MYSQL_BASE_URL): Promise<string> {
  const conn = await mysql.createConnection({ uri: baseUrl, connectTimeout: CONNECT_TIMEOUT_MS });
  try {
    const [rows] = await conn.query('select version() as v');
    return String((rows as Array<{ v: string }>)[0]?.v ?? '?');
  } finally {
    await conn.end();
  }
}

export interface MysqlDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export interface MysqlDatabaseOptions {
  baseUrl?: string;
  /** The database is named `<prefix>_<random>`. */
  prefix?: string;
}

/** A fresh, empty database on the server at `baseUrl`; drop() removes it. */
export async function createMysqlDatabase(
  scheme: 'mysql' | 'mariadb' = 'mysql',
  { baseUrl = MYSQL_BASE_URL, prefix = 'lf_test' }: MysqlDatabaseOptions = {},
): Promise<MysqlDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const conn = await mysql.createConnection({ uri: baseUrl, connectTimeout: CONNECT_TIMEOUT_MS });
  await conn.query(`create database \`${name}\` character set utf8mb4`);
  await conn.end();
  const base = baseUrl.replace(/^mysql:/, `${scheme}:`).replace(/\/+$/, '');
  return {
    name,
    url: `${base}/${name}`,
    async drop() {
      const c = await mysql.createConnection({ uri: baseUrl, connectTimeout: CONNECT_TIMEOUT_MS });
      await c.query(`drop database if exists \`${name}\``);
      await c.end();
    },
  };
}
