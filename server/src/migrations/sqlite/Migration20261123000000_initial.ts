import { Migration } from '@mikro-orm/migrations';

/** Users, sessions and images (names, metadata and keys sealed: see crypto/) for the embedded SQLite default. */
export class Migration20261123000000_initial extends Migration {
  override up(): void {
    this.addSql(
      'create table `users` (`id` text not null primary key, `username` text not null, `email` text not null, `password_hash` text not null, `email_verified` integer not null default false, `created_at` datetime not null);',
    );
    this.addSql('create unique index `users_username_unique` on `users` (`username`);');
    this.addSql('create unique index `users_email_unique` on `users` (`email`);');

    this.addSql(
      'create table `sessions` (`id` text not null primary key, `user_id` text not null, `token_hash` text not null, `created_at` datetime not null, `last_seen_at` datetime not null, `expires_at` datetime not null, `user_agent` text null, `ip` text null, constraint `sessions_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);',
    );
    this.addSql('create index `sessions_user_id_index` on `sessions` (`user_id`);');
    this.addSql('create unique index `sessions_token_hash_unique` on `sessions` (`token_hash`);');
    this.addSql('create index `sessions_expires_at_index` on `sessions` (`expires_at`);');

    this.addSql('create table `images` (`id` text not null primary key, `user_id` text not null, `filename_sealed` text not null, `metadata_sealed` text null, `search_sealed` text not null, `wrapped_key` text not null, `key_id` text not null, `mime_type` text not null, `width` integer not null, `height` integer not null, `frames` integer not null default 1, `byte_size` integer not null, `storage_id` text not null, `display_mime_type` text not null, `thumbnail_mime_type` text not null, `created_at` datetime not null, constraint `images_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);');
    this.addSql("create index `images_key_id_index` on `images` (`key_id`);");
    this.addSql('create index `images_user_id_index` on `images` (`user_id`);');
    this.addSql('create unique index `images_storage_id_unique` on `images` (`storage_id`);');
    this.addSql('create index `images_user_id_created_at_id_index` on `images` (`user_id`, `created_at`, `id`);');
  }

  override down(): void {
    this.addSql('drop table if exists `images`;');
    this.addSql('drop table if exists `sessions`;');
    this.addSql('drop table if exists `users`;');
  }
}
