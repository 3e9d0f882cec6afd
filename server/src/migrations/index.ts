import { Migration20261123000000_initial as MysqlInitial } from './mysql/Migration20261123000000_initial.js';
import { Migration20261123010000_accounts as MysqlAccounts } from './mysql/Migration20261123010000_accounts.js';
import { Migration20261123000000_initial as SqliteInitial } from './sqlite/Migration20261123000000_initial.js';
import { Migration20261123010000_accounts as SqliteAccounts } from './sqlite/Migration20261123010000_accounts.js';

/** Every migration, in order, per dialect. Add new ones here after reviewing them. */
export const mysqlMigrations = [
  { name: 'Migration20261123000000_initial', class: MysqlInitial },
  { name: 'Migration20261123010000_accounts', class: MysqlAccounts },
];
export const sqliteMigrations = [
  { name: 'Migration20261123000000_initial', class: SqliteInitial },
  { name: 'Migration20261123010000_accounts', class: SqliteAccounts },
];
