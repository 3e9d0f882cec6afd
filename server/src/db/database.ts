import type { EntityManager } from '@mikro-orm/core';
import type { InferKyselyDB, Kysely, SqlEntityManager } from '@mikro-orm/sql';
import type { entities } from './entities.js';

const KYSELY_OPTIONS = { convertValues: true } as const;

/**
 * The database as Kysely sees it, inferred from the entity definitions: tables and columns by
 * their SQL names, values as the entities hold them (dates as Date, booleans as boolean).
 */
export type Database = InferKyselyDB<(typeof entities)[number], typeof KYSELY_OPTIONS>;

/**
 * MikroORM's own Kysely for this EntityManager: bound to its transaction when it is in one, with
 * values converted both ways by MikroORM's plugin, and every value sent as a bound parameter.
 * Repositories are the only callers.
 */
export function db(em: EntityManager): Kysely<Database> {
  return (em as SqlEntityManager).getKysely<Database>(KYSELY_OPTIONS);
}


/**
 * The same Kysely without MikroORM's value plugin, for the few lookups every request makes
 * (session, API token, media access): the plugin's per-query transform costs more than the query
 * (≈60 of ≈100 µs, measured). Values arrive as the driver gives them; read them with
 * `asDate` / `asBool`, and bind only strings and numbers.
 */
export function rawDb(em: EntityManager): Kysely<Database> {
  return (em as SqlEntityManager).getKysely<Database>();
}

/** A datetime column as the driver returned it (SQLite: epoch ms; MySQL: Date). */
export function asDate(value: Date | number | string): Date {
  return value instanceof Date ? value : new Date(typeof value === 'number' ? value : Number(value) || Date.parse(value));
}

export function asBool(value: boolean | number): boolean {
  return value === true || value === 1;
}

/**
 * Whether a write failed on a unique index, as the drivers report it through Kysely (SQLite:
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; MySQL and MariaDB: ER_DUP_ENTRY).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'ER_DUP_ENTRY';
}

/**
 * A boolean as every driver binds it: SQLite binds no booleans, MySQL's tinyint(1) takes 0/1.
 * Typed as the column's boolean so Kysely accepts it.
 */
export function bindBool(value: boolean): boolean {
  return (value ? 1 : 0) as unknown as boolean;
}
