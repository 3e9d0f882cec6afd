import { Migration } from '@mikro-orm/migrations';

/**
 * Account lifecycle: a disabled flag, the storage an account uses and its quota (null: none),
 * and the time its deletion started (deletion resumes at start when a crash cut it short).
 * images.stored_bytes is what one image costs against the quota: original plus variants.
 */
export class Migration20261204100000_account_lifecycle extends Migration {
  override up(): void {
    this.addSql(
      'alter table `users` add `disabled` tinyint(1) not null default false, add `storage_bytes` bigint not null default 0, add `quota_bytes` bigint null, add `deleting_at` datetime(3) null;',
    );
    this.addSql('alter table `images` add `stored_bytes` bigint not null default 0;');
  }
}
