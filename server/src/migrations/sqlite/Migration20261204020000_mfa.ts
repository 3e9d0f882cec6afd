import { Migration } from '@mikro-orm/migrations';

/** TOTP second factor: the sealed seed per account, and its single-use recovery codes (hashed). */
export class Migration20261204020000_mfa extends Migration {
  override up(): void {
    this.addSql("create table `totp_credentials` (`id` text not null primary key, `user_id` text not null, `secret_sealed` text not null, `key_id` text not null, `confirmed_at` datetime null, `last_step` integer null, `recovery_salt` text not null, `created_at` datetime not null, constraint `totp_credentials_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);");
    this.addSql("create index `totp_credentials_user_id_index` on `totp_credentials` (`user_id`);");
    this.addSql("create unique index `totp_credentials_user_id_unique` on `totp_credentials` (`user_id`);");
    this.addSql("create index `totp_credentials_key_id_index` on `totp_credentials` (`key_id`);");
    this.addSql("create table `recovery_codes` (`id` text not null primary key, `user_id` text not null, `code_hash` text not null, `used_at` datetime null, `created_at` datetime not null, constraint `recovery_codes_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);");
    this.addSql("create index `recovery_codes_user_id_index` on `recovery_codes` (`user_id`);");
  }
}
