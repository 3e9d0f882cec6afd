import { Migration } from '@mikro-orm/migrations';

/** API tokens, rate-limit events, the security audit log and e-mail tokens. */
export class Migration20261123010000_accounts extends Migration {
  override up(): void {
    this.addSql("create table `audit_events` (`id` varchar(36) not null, `user_id` varchar(36) null, `event` varchar(64) not null, `ip` varchar(64) null, `user_agent` varchar(255) null, `request_id` varchar(64) null, `details` json null, `created_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `audit_events` add index `audit_events_user_id_created_at_index` (`user_id`, `created_at`);");
    this.addSql("create table `rate_events` (`id` varchar(36) not null, `key` varchar(191) not null, `at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `rate_events` add index `rate_events_key_at_index` (`key`, `at`);");
    this.addSql("create table `email_tokens` (`id` varchar(36) not null, `user_id` varchar(36) not null, `purpose` varchar(16) not null, `token_hash` varchar(64) not null, `created_at` datetime(3) not null, `expires_at` datetime(3) not null, `used_at` datetime(3) null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `email_tokens` add index `email_tokens_user_id_index` (`user_id`);");
    this.addSql("alter table `email_tokens` add unique `email_tokens_token_hash_unique` (`token_hash`);");
    this.addSql("create table `api_tokens` (`id` varchar(36) not null, `user_id` varchar(36) not null, `name` varchar(100) not null, `prefix` varchar(16) not null, `token_hash` varchar(64) not null, `created_at` datetime(3) not null, `last_used_at` datetime(3) null, `expires_at` datetime(3) null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `api_tokens` add index `api_tokens_user_id_index` (`user_id`);");
    this.addSql("alter table `api_tokens` add unique `api_tokens_token_hash_unique` (`token_hash`);");
    this.addSql("alter table `email_tokens` add constraint `email_tokens_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;");
    this.addSql("alter table `api_tokens` add constraint `api_tokens_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;");
  }
}
