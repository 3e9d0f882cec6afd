import { Migration } from '@mikro-orm/migrations';

/**
 * Account lifecycle: a disabled flag, the storage an account uses and its quota (null: none),
 * and the time its deletion started (deletion resumes at start when a crash cut it short).
 * images.stored_bytes is what one image costs against the quota: original plus variants.
 * email_changes: a new address waiting for its confirmation link.
 */
export class Migration20261206000000_account_lifecycle extends Migration {
  override up(): void {
    this.addSql(
      'alter table `users` add `disabled` tinyint(1) not null default false, add `storage_bytes` bigint not null default 0, add `quota_bytes` bigint null, add `deleting_at` datetime(3) null;',
    );
    this.addSql('alter table `images` add `stored_bytes` bigint not null default 0;');
    this.addSql(
      'create table `email_changes` (`id` varchar(36) not null, `user_id` varchar(36) not null, `new_email` varchar(254) not null, `token_hash` varchar(64) character set utf8mb4 collate utf8mb4_bin not null, `created_at` datetime(3) not null, `expires_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;',
    );
    this.addSql('alter table `email_changes` add index `email_changes_user_id_index` (`user_id`);');
    this.addSql('alter table `email_changes` add unique `email_changes_token_hash_unique` (`token_hash`);');
    this.addSql(
      'alter table `email_changes` add constraint `email_changes_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;',
    );
  }
}
