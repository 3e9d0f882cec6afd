import { Migration } from '@mikro-orm/migrations';

/** API tokens, rate-limit events, the security audit log and e-mail tokens. */
export class Migration20261123010000_accounts extends Migration {
  override up(): void {
    this.addSql("create table `audit_events` (`id` text not null primary key, `user_id` text null, `event` text not null, `ip` text null, `user_agent` text null, `request_id` text null, `details` json null, `created_at` datetime not null);");
    this.addSql("create index `audit_events_user_id_created_at_index` on `audit_events` (`user_id`, `created_at`);");
    this.addSql("create table `rate_events` (`id` text not null primary key, `key` text not null, `at` datetime not null);");
    this.addSql("create index `rate_events_key_at_index` on `rate_events` (`key`, `at`);");
    this.addSql("create table `email_tokens` (`id` text not null primary key, `user_id` text not null, `purpose` text not null, `token_hash` text not null, `created_at` datetime not null, `expires_at` datetime not null, `used_at` datetime null, constraint `email_tokens_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);");
    this.addSql("create index `email_tokens_user_id_index` on `email_tokens` (`user_id`);");
    this.addSql("create unique index `email_tokens_token_hash_unique` on `email_tokens` (`token_hash`);");
    this.addSql("create table `api_tokens` (`id` text not null primary key, `user_id` text not null, `name` text not null, `prefix` text not null, `token_hash` text not null, `created_at` datetime not null, `last_used_at` datetime null, `expires_at` datetime null, constraint `api_tokens_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);");
    this.addSql("create index `api_tokens_user_id_index` on `api_tokens` (`user_id`);");
    this.addSql("create unique index `api_tokens_token_hash_unique` on `api_tokens` (`token_hash`);");
  }
}
