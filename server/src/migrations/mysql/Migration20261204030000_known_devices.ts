import { Migration } from '@mikro-orm/migrations';

/**
 * Browsers and clients each account has signed in from, for the new-device sign-in alert.
 * Hashes compare byte for byte (utf8mb4_bin), like the other lookup keys (migration exact_keys).
 */
export class Migration20261204030000_known_devices extends Migration {
  override up(): void {
    this.addSql("create table `known_devices` (`id` varchar(36) not null, `user_id` varchar(36) not null, `token_hash` varchar(64) character set utf8mb4 collate utf8mb4_bin not null, `client_key` varchar(64) character set utf8mb4 collate utf8mb4_bin not null, `family` varchar(64) not null, `cookie_seen_at` datetime(3) null, `first_seen_at` datetime(3) not null, `last_seen_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `known_devices` add index `known_devices_user_id_index` (`user_id`);");
    this.addSql("alter table `known_devices` add index `known_devices_user_id_token_hash_index` (`user_id`, `token_hash`);");
    this.addSql("alter table `known_devices` add index `known_devices_user_id_client_key_index` (`user_id`, `client_key`);");
    this.addSql("alter table `known_devices` add constraint `known_devices_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;");
  }
}
