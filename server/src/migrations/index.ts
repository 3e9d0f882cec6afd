import { Migration20261123000000_initial as MysqlInitial } from './mysql/Migration20261123000000_initial.js';
import { Migration20261123010000_accounts as MysqlAccounts } from './mysql/Migration20261123010000_accounts.js';
import { Migration20261204000000_roles as MysqlRoles } from './mysql/Migration20261204000000_roles.js';
import { Migration20261204010000_exact_keys as MysqlExactKeys } from './mysql/Migration20261204010000_exact_keys.js';
import { Migration20261204020000_mfa as MysqlMfa } from './mysql/Migration20261204020000_mfa.js';
import { Migration20261204030000_known_devices as MysqlKnownDevices } from './mysql/Migration20261204030000_known_devices.js';
import { Migration20261204040000_passkeys as MysqlPasskeys } from './mysql/Migration20261204040000_passkeys.js';
import { Migration20261205000000_gallery as MysqlGallery } from './mysql/Migration20261205000000_gallery.js';
import { Migration20261123000000_initial as SqliteInitial } from './sqlite/Migration20261123000000_initial.js';
import { Migration20261123010000_accounts as SqliteAccounts } from './sqlite/Migration20261123010000_accounts.js';
import { Migration20261204000000_roles as SqliteRoles } from './sqlite/Migration20261204000000_roles.js';
import { Migration20261204020000_mfa as SqliteMfa } from './sqlite/Migration20261204020000_mfa.js';
import { Migration20261204030000_known_devices as SqliteKnownDevices } from './sqlite/Migration20261204030000_known_devices.js';
import { Migration20261204040000_passkeys as SqlitePasskeys } from './sqlite/Migration20261204040000_passkeys.js';
import { Migration20261205000000_gallery as SqliteGallery } from './sqlite/Migration20261205000000_gallery.js';
import { Migration20261206000000_account_lifecycle as MysqlLifecycle } from './mysql/Migration20261206000000_account_lifecycle.js';
import { Migration20261206000000_account_lifecycle as SqliteLifecycle } from './sqlite/Migration20261206000000_account_lifecycle.js';

/** Every migration, in order, per dialect. Add new ones here after reviewing them. */
export const mysqlMigrations = [
  { name: 'Migration20261123000000_initial', class: MysqlInitial },
  { name: 'Migration20261123010000_accounts', class: MysqlAccounts },
  { name: 'Migration20261204000000_roles', class: MysqlRoles },
  { name: 'Migration20261204010000_exact_keys', class: MysqlExactKeys },
  { name: 'Migration20261204020000_mfa', class: MysqlMfa },
  { name: 'Migration20261204030000_known_devices', class: MysqlKnownDevices },
  { name: 'Migration20261204040000_passkeys', class: MysqlPasskeys },
  { name: 'Migration20261205000000_gallery', class: MysqlGallery },
  { name: 'Migration20261206000000_account_lifecycle', class: MysqlLifecycle },
];
export const sqliteMigrations = [
  { name: 'Migration20261123000000_initial', class: SqliteInitial },
  { name: 'Migration20261123010000_accounts', class: SqliteAccounts },
  { name: 'Migration20261204000000_roles', class: SqliteRoles },
  { name: 'Migration20261204020000_mfa', class: SqliteMfa },
  { name: 'Migration20261204030000_known_devices', class: SqliteKnownDevices },
  { name: 'Migration20261204040000_passkeys', class: SqlitePasskeys },
  { name: 'Migration20261205000000_gallery', class: SqliteGallery },
  { name: 'Migration20261206000000_account_lifecycle', class: SqliteLifecycle },
];
