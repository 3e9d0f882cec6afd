import { Migration } from '@mikro-orm/migrations';

/**
 * Favourites, the trash, duplicate detection and albums (names sealed). The gallery index gains
 * `trashed_at` so "not in the trash" pages stay an index range. Existing images start out of
 * the trash, not favourites, and with no content hash (their bytes are sealed: no backfill).
 */
export class Migration20261205000000_gallery extends Migration {
  override up(): void {
    this.addSql('drop index `images_user_id_created_at_id_index`;');
    this.addSql('alter table `images` add column `favorite` integer not null default false;');
    this.addSql('alter table `images` add column `trashed_at` datetime null;');
    this.addSql('alter table `images` add column `content_hash` text null;');
    this.addSql('alter table `images` add column `content_hash_key_id` text null;');
    this.addSql('create index `images_user_id_trashed_at_created_at_id_index` on `images` (`user_id`, `trashed_at`, `created_at`, `id`);');
    this.addSql('create unique index `images_user_id_content_hash_unique` on `images` (`user_id`, `content_hash`);');

    this.addSql(
      'create table `albums` (`id` text not null primary key, `user_id` text not null, `name_sealed` text not null, `wrapped_key` text not null, `key_id` text not null, `created_at` datetime not null, constraint `albums_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);',
    );
    this.addSql('create index `albums_user_id_index` on `albums` (`user_id`);');
    this.addSql('create index `albums_key_id_index` on `albums` (`key_id`);');
    this.addSql('create index `albums_user_id_created_at_index` on `albums` (`user_id`, `created_at`);');

    this.addSql(
      'create table `album_images` (`album_id` text not null, `image_id` text not null, `added_at` datetime not null, primary key (`album_id`, `image_id`), constraint `album_images_album_id_foreign` foreign key (`album_id`) references `albums` (`id`) on update cascade on delete cascade, constraint `album_images_image_id_foreign` foreign key (`image_id`) references `images` (`id`) on update cascade on delete cascade);',
    );
    this.addSql('create index `album_images_album_id_index` on `album_images` (`album_id`);');
    this.addSql('create index `album_images_image_id_index` on `album_images` (`image_id`);');
  }
}
