import { defineEntity, p, type Opt, type Ref } from '@mikro-orm/core';
import { User, UserSchema } from '../user/user.entity.js';

export class Image {
  id!: string;
  owner!: Ref<User>;
  /** Sanitized original name, sealed with the image's data key (base64). Never part of a path. */
  filenameSealed!: string;
  /** Extracted metadata as JSON, sealed with the image's data key; null when there is none. */
  metadataSealed: string | null = null;
  /** The few fields search needs (name, camera, capture time), sealed; small so a search can open thousands. */
  searchSealed!: string;
  /** The image's data key, wrapped by the master key `keyId`. */
  wrappedKey!: string;
  keyId!: string;
  /** Detected from the bytes, never from the request. */
  mimeType!: string;
  width!: number;
  height!: number;
  frames: Opt<number> = 1;
  /** Size of the original upload. */
  byteSize!: number;
  /** Server-made UUID naming the stored blobs; unrelated to the id so neither predicts the other. */
  storageId!: string;
  displayMimeType!: string;
  thumbnailMimeType!: string;
  createdAt: Opt<Date> = new Date();
  /** What it counts against its owner's quota: original plus display image and thumbnail. */
  storedBytes: Opt<number> = 0;
}

export const ImageSchema = defineEntity({
  class: Image,
  tableName: 'images',
  properties: {
    id: p.string().length(36).primary(),
    owner: () => p.manyToOne(UserSchema).ref().deleteRule('cascade').fieldName('user_id'),
    filenameSealed: p.text(),
    // Lazy: up to ~55 KB each, needed only by the detail view and the search index (which selects it).
    metadataSealed: p.text().nullable().lazy(),
    searchSealed: p.text().lazy(),
    wrappedKey: p.string().length(128),
    keyId: p.string().length(32).index(),
    mimeType: p.string().length(32),
    width: p.integer(),
    height: p.integer(),
    frames: p.integer().default(1),
    byteSize: p.integer(),
    storageId: p.string().length(36).unique(),
    displayMimeType: p.string().length(32),
    thumbnailMimeType: p.string().length(32),
    createdAt: p.datetime(3),
    storedBytes: p.bigint('number').defaultRaw('0'),
  },
  indexes: [{ properties: ['owner', 'createdAt', 'id'] }],
});
