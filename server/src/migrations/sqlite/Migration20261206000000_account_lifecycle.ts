import { Migration } from '@mikro-orm/migrations';

/**
 * Account lifecycle: a disabled flag, the storage an account uses and its quota (null: none),
 * and the time its deletion started (deletion resumes at start when a crash cut it short).
 * images.stored_bytes is what one image costs against the quota: original plus variants.
 * email_changes: a new address waiting for its confirmation link.
 */
export class Migration20261206000000_account_lifecycle extends Migration {
  override up(): void {
    this.addSql('alter table `users` add column `disabled` integer not null default false;');
    this.addSql('alter table `users` add column `storage_bytes` bigint not null default 0;');
    this.addSql('alter table `users` add column `quota_bytes` bigint null;');
    this.addSql('alter table `users` add column `deleting_at` datetime null;');
    this.addSql('alter table `images` add column `stored_bytes` bigint not null default 0;');
    this.addSql(
      'create table `email_changes` (`id` text not null primary key, `user_id` text not null, `new_email` text not null, `token_hash` text not null, `created_at` datetime not null, `expires_at` datetime not null, constraint `email_changes_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);',
    );
    this.addSql('create index `email_changes_user_id_index` on `email_changes` (`user_id`);');
    this.addSql('create unique index `email_changes_token_hash_unique` on `email_changes` (`token_hash`);');
  }
}
