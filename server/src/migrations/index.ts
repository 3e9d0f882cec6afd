import { Migration20261123000000_initial as MysqlInitial } from './mysql/Migration20261123000000_initial.js';
import { Migration20261123000000_initial as SqliteInitial } from './sqlite/Migration20261123000000_initial.js';

/** Every migration, in order, per dialect. Add new ones here after reviewing them. */
export const mysqlMigrations = [{ name: 'Migration20261123000000_initial', class: MysqlInitial }];
export const sqliteMigrations = [{ name: 'Migration20261123000000_initial', class: SqliteInitial }];
