import { Migration } from '@mikro-orm/migrations';

/** Users, sessions and images (names, metadata and keys sealed: see crypto/) (reviewed by hand: MySQL 8.4 and MariaDB 10.11+). */
export class Migration20261123000000_initial extends Migration {
  override up(): void {
    this.addSql(
      "create table `users` (`id` varchar(36) not null, `username` varchar(32) not null, `email` varchar(254) not null, `password_hash` varchar(255) not null, `email_verified` tinyint(1) not null default false, `created_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;",
    );
    this.addSql('alter table `users` add unique `users_username_unique` (`username`);');
    this.addSql('alter table `users` add unique `users_email_unique` (`email`);');

    this.addSql(
      'create table `sessions` (`id` varchar(36) not null, `user_id` varchar(36) not null, `token_hash` varchar(64) not null, `created_at` datetime(3) not null, `last_seen_at` datetime(3) not null, `expires_at` datetime(3) not null, `user_agent` varchar(255) null, `ip` varchar(64) null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;',
    );
    this.addSql('alter table `sessions` add index `sessions_user_id_index` (`user_id`);');
    this.addSql('alter table `sessions` add unique `sessions_token_hash_unique` (`token_hash`);');
    this.addSql('alter table `sessions` add index `sessions_expires_at_index` (`expires_at`);');

    this.addSql('create table `images` (`id` varchar(36) not null, `user_id` varchar(36) not null, `filename_sealed` text not null, `metadata_sealed` text null, `search_sealed` text not null, `wrapped_key` varchar(128) not null, `key_id` varchar(32) not null, `mime_type` varchar(32) not null, `width` int not null, `height` int not null, `frames` int not null default 1, `byte_size` int not null, `storage_id` varchar(36) not null, `display_mime_type` varchar(32) not null, `thumbnail_mime_type` varchar(32) not null, `created_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;');
    this.addSql("alter table `images` add index `images_key_id_index` (`key_id`);");
    this.addSql('alter table `images` add index `images_user_id_index` (`user_id`);');
    this.addSql('alter table `images` add unique `images_storage_id_unique` (`storage_id`);');
    this.addSql(
      'alter table `images` add index `images_user_id_created_at_id_index` (`user_id`, `created_at`, `id`);',
    );

    this.addSql(
      'alter table `sessions` add constraint `sessions_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;',
    );
    this.addSql(
      'alter table `images` add constraint `images_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;',
    );
  }

  override down(): void {
    this.addSql('drop table if exists `images`;');
    this.addSql('drop table if exists `sessions`;');
    this.addSql('drop table if exists `users`;');
  }
}
