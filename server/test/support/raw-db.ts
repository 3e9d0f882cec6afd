import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mysql from 'mysql2/promise';

export type Row = Record<string, unknown>;

/**
 * Plain SQL on the database a server (in-process or a child process) was configured with,
 * bypassing the app: to look at what is really stored, and to damage it on purpose.
 */
export interface RawDb {
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  /** Every table, migrations bookkeeping included. */
  tables(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * `vars` are the server's environment variables: DATABASE_URL, else SQLite in DATA_DIR.
 * Against an in-process SQLite server, open it once and close it after the server's last write:
 * node:sqlite and the server's better-sqlite3 are two SQLite libraries in one process, which do
 * not share POSIX locks, so closing this connection can checkpoint and delete the WAL the server
 * is still writing (its later commits are then invisible to any new connection until it closes).
 */
export async function openRawDb(vars: Record<string, string>): Promise<RawDb> {
  const url = vars.DATABASE_URL;
  if (url) {
    const conn = await mysql.createConnection({ uri: url.replace(/^mariadb:/, 'mysql:') });
    return {
      async all(sql, params = []) {
        const [rows] = await conn.query(sql, params);
        return rows as Row[];
      },
      async run(sql, params = []) {
        await conn.query(sql, params);
      },
      async tables() {
        const [rows] = await conn.query('select table_name as name from information_schema.tables where table_schema = database()');
        return (rows as Row[]).map((r) => String(r.name ?? r.NAME ?? r.TABLE_NAME));
      },
      close: () => conn.end(),
    };
  }
  // WAL mode: this connection and the server's can read and write side by side.
  const db = new DatabaseSync(path.join(vars.DATA_DIR!, 'lockframe.sqlite'));
  db.exec('pragma busy_timeout = 5000');
  return {
    async all(sql, params = []) {
      return db.prepare(sql).all(...(params as never[])) as Row[];
    },
    async run(sql, params = []) {
      db.prepare(sql).run(...(params as never[]));
    },
    async tables() {
      return db
        .prepare("select name from sqlite_master where type = 'table'")
        .all()
        .map((r) => String((r as Row).name));
    },
    async close() {
      db.close();
    },
  };
}
