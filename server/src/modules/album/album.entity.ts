import { defineEntity, p, type Opt, type Ref } from '@mikro-orm/core';
import { Image, ImageSchema } from '../image/image.entity.js';
import { User, UserSchema } from '../user/user.entity.js';

export class Album {
  id!: string;
  owner!: Ref<User>;
  /** The name, sealed with the album's own data key (base64). */
  nameSealed!: string;
  /** The album's data key, wrapped by the master key `keyId`, bound to the album and its owner. */
  wrappedKey!: string;
  keyId!: string;
  createdAt: Opt<Date> = new Date();
}

export const AlbumSchema = defineEntity({
  class: Album,
  tableName: 'albums',
  properties: {
    id: p.string().length(36).primary(),
    owner: () => p.manyToOne(UserSchema).ref().deleteRule('cascade').fieldName('user_id'),
    nameSealed: p.text(),
    wrappedKey: p.string().length(128),
    keyId: p.string().length(32).index(),
    createdAt: p.datetime(3),
  },
  indexes: [{ properties: ['owner', 'createdAt'] }],
});

/** Membership: deleting an album or an image removes its rows here, never the other side. */
export class AlbumImage {
  album!: Ref<Album>;
  image!: Ref<Image>;
  addedAt: Opt<Date> = new Date();
}

export const AlbumImageSchema = defineEntity({
  class: AlbumImage,
  tableName: 'album_images',
  properties: {
    album: () => p.manyToOne(AlbumSchema).ref().primary().deleteRule('cascade').fieldName('album_id'),
    image: () => p.manyToOne(ImageSchema).ref().primary().deleteRule('cascade').fieldName('image_id').index(),
    addedAt: p.datetime(3),
  },
});
