import { Migration } from '@mikro-orm/migrations';

/**
 * TOTP second factor: the sealed seed per account, and its single-use recovery codes (hashed).
 * Hashes compare byte for byte (utf8mb4_bin), like the other lookup keys (migration exact_keys).
 */
export class Migration20261204020000_mfa extends Migration {
  override up(): void {
    this.addSql("create table `totp_credentials` (`id` varchar(36) not null, `user_id` varchar(36) not null, `secret_sealed` varchar(255) not null, `key_id` varchar(16) not null, `confirmed_at` datetime(3) null, `last_step` int null, `recovery_salt` varchar(32) not null, `created_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `totp_credentials` add index `totp_credentials_user_id_index` (`user_id`);");
    this.addSql("alter table `totp_credentials` add unique `totp_credentials_user_id_unique` (`user_id`);");
    this.addSql("alter table `totp_credentials` add index `totp_credentials_key_id_index` (`key_id`);");
    this.addSql("create table `recovery_codes` (`id` varchar(36) not null, `user_id` varchar(36) not null, `code_hash` varchar(64) character set utf8mb4 collate utf8mb4_bin not null, `used_at` datetime(3) null, `created_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `recovery_codes` add index `recovery_codes_user_id_index` (`user_id`);");
    this.addSql("alter table `totp_credentials` add constraint `totp_credentials_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;");
    this.addSql("alter table `recovery_codes` add constraint `recovery_codes_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;");
  }
}
