import { Migration } from '@mikro-orm/migrations';

/** Browsers and clients each account has signed in from, for the new-device sign-in alert. */
export class Migration20261204030000_known_devices extends Migration {
  override up(): void {
    this.addSql("create table `known_devices` (`id` text not null primary key, `user_id` text not null, `token_hash` text not null, `client_key` text not null, `family` text not null, `cookie_seen_at` datetime null, `first_seen_at` datetime not null, `last_seen_at` datetime not null, constraint `known_devices_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);");
    this.addSql("create index `known_devices_user_id_index` on `known_devices` (`user_id`);");
    this.addSql("create index `known_devices_user_id_token_hash_index` on `known_devices` (`user_id`, `token_hash`);");
    this.addSql("create index `known_devices_user_id_client_key_index` on `known_devices` (`user_id`, `client_key`);");
  }
}
