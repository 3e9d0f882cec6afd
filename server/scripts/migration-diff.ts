/**
 * Prints the SQL that would bring a freshly migrated database to what the entities describe,
 * for SQLite and for MySQL (through the MariaDB driver, whose differ settles on MariaDB).
 * Use it to write a new migration by hand, then add it to src/migrations/index.ts and review it.
 *
 *   npm run migration:diff -w server            # MYSQL_URL=mysql://root@127.0.0.1:3306 by default
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { openDatabase } from '../src/db/orm.js';

const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

async function diffSqlite(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lockframe-diff-'));
  try {
    const orm = await openDatabase({ dataDir: dir, database: { kind: 'sqlite', file: path.join(dir, 'db.sqlite') } });
    try {
      return await orm.schema.getUpdateSchemaSQL({ wrap: false });
    } finally {
      await orm.close(true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function diffMysql(): Promise<string> {
  const name = `lf_diff_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  await admin.query(`create database \`${name}\``);
  try {
    const url = `${MYSQL_URL.replace(/^mysql:/, 'mariadb:').replace(/\/+$/, '')}/${name}`;
    const orm = await openDatabase({ dataDir: tmpdir(), database: { kind: 'mariadb', url } });
    try {
      return await orm.schema.getUpdateSchemaSQL({ wrap: false });
    } finally {
      await orm.close(true);
    }
  } finally {
    await admin.query(`drop database if exists \`${name}\``);
    await admin.end();
  }
}

const show = (label: string, sql: string) => console.log(`-- ${label}\n${sql.trim() || '-- (no changes)'}\n`);
show('sqlite', await diffSqlite());
try {
  show('mysql', await diffMysql());
} catch (error) {
  console.error(`-- mysql: skipped, ${MYSQL_URL} unreachable (${String(error)})`);
}
