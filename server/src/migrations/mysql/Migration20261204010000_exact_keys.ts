import { Migration } from '@mikro-orm/migrations';

/**
 * Lookup keys compare byte for byte, as on SQLite: under the default utf8mb4_general_ci,
 * `victim@exämple.com` and `VICTIM@example.com` were the same address as `victim@example.com`
 * (one blocked the real owner's registration and received their reset mails). Values are
 * normalized before they are written, so no existing row changes.
 */
export class Migration20261204010000_exact_keys extends Migration {
  override up(): void {
    this.addSql(
      'alter table `users` modify `username` varchar(32) character set utf8mb4 collate utf8mb4_bin not null, modify `email` varchar(254) character set utf8mb4 collate utf8mb4_bin not null;',
    );
    for (const table of ['sessions', 'api_tokens', 'email_tokens']) {
      this.addSql(`alter table \`${table}\` modify \`token_hash\` varchar(64) character set utf8mb4 collate utf8mb4_bin not null;`);
    }
  }
}
