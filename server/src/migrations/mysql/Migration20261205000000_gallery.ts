import { Migration } from '@mikro-orm/migrations';

/**
 * Favourites, the trash, duplicate detection and albums (names sealed); reviewed by hand for
 * MySQL 8.4 and MariaDB 10.11+. Datetimes keep milliseconds (precision 3) for cursors.
 * `images_user_id_index` still backs the owner foreign key once the old gallery index is gone.
 */
export class Migration20261205000000_gallery extends Migration {
  override up(): void {
    this.addSql('alter table `images` drop index `images_user_id_created_at_id_index`;');
    this.addSql(
      'alter table `images` add `favorite` tinyint(1) not null default false, add `trashed_at` datetime(3) null, add `content_hash` varchar(64) null, add `content_hash_key_id` varchar(32) null;',
    );
    this.addSql('alter table `images` add index `images_user_id_trashed_at_created_at_id_index` (`user_id`, `trashed_at`, `created_at`, `id`);');
    this.addSql('alter table `images` add unique `images_user_id_content_hash_unique` (`user_id`, `content_hash`);');

    this.addSql(
      'create table `albums` (`id` varchar(36) not null, `user_id` varchar(36) not null, `name_sealed` text not null, `wrapped_key` varchar(128) not null, `key_id` varchar(32) not null, `created_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;',
    );
    this.addSql('alter table `albums` add index `albums_user_id_index` (`user_id`);');
    this.addSql('alter table `albums` add index `albums_key_id_index` (`key_id`);');
    this.addSql('alter table `albums` add index `albums_user_id_created_at_index` (`user_id`, `created_at`);');
    this.addSql(
      'alter table `albums` add constraint `albums_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;',
    );

    this.addSql(
      'create table `album_images` (`album_id` varchar(36) not null, `image_id` varchar(36) not null, `added_at` datetime(3) not null, primary key (`album_id`, `image_id`)) default character set utf8mb4 engine = InnoDB;',
    );
    this.addSql('alter table `album_images` add index `album_images_album_id_index` (`album_id`);');
    this.addSql('alter table `album_images` add index `album_images_image_id_index` (`image_id`);');
    this.addSql(
      'alter table `album_images` add constraint `album_images_album_id_foreign` foreign key (`album_id`) references `albums` (`id`) on update cascade on delete cascade;',
    );
    this.addSql(
      'alter table `album_images` add constraint `album_images_image_id_foreign` foreign key (`image_id`) references `images` (`id`) on update cascade on delete cascade;',
    );
  }
}
