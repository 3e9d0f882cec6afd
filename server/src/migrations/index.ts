import { Migration20261123000000_initial as MysqlInitial } from './mysql/Migration20261123000000_initial.js';
import { Migration20261123010000_accounts as MysqlAccounts } from './mysql/Migration20261123010000_accounts.js';
import { Migration20261204000000_roles as MysqlRoles } from './mysql/Migration20261204000000_roles.js';
import { Migration20261204010000_exact_keys as MysqlExactKeys } from './mysql/Migration20261204010000_exact_keys.js';
import { Migration20261206000000_account_lifecycle as MysqlLifecycle } from './mysql/Migration20261206000000_account_lifecycle.js';
import { Migration20261123000000_initial as SqliteInitial } from './sqlite/Migration20261123000000_initial.js';
import { Migration20261123010000_accounts as SqliteAccounts } from './sqlite/Migration20261123010000_accounts.js';
import { Migration20261204000000_roles as SqliteRoles } from './sqlite/Migration20261204000000_roles.js';
import { Migration20261206000000_account_lifecycle as SqliteLifecycle } from './sqlite/Migration20261206000000_account_lifecycle.js';

/** Every migration, in order, per dialect. Add new ones here after reviewing them. */
export const mysqlMigrations = [
  { name: 'Migration20261123000000_initial', class: MysqlInitial },
  { name: 'Migration20261123010000_accounts', class: MysqlAccounts },
  { name: 'Migration20261204000000_roles', class: MysqlRoles },
  { name: 'Migration20261204010000_exact_keys', class: MysqlExactKeys },
  { name: 'Migration20261206000000_account_lifecycle', class: MysqlLifecycle },
];
export const sqliteMigrations = [
  { name: 'Migration20261123000000_initial', class: SqliteInitial },
  { name: 'Migration20261123010000_accounts', class: SqliteAccounts },
  { name: 'Migration20261204000000_roles', class: SqliteRoles },
  { name: 'Migration20261206000000_account_lifecycle', class: SqliteLifecycle },
];
