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
  favorite: Opt<boolean> = false;
  /** When it went to the trash; null while it is in the gallery. The purge removes it after TRASH_RETENTION_DAYS. */
  trashedAt: Opt<Date> | null = null;
  /**
   * HMAC-SHA-256 of the uploaded bytes under a per-user key derived from master key
   * `contentHashKeyId` (hex): equal uploads of one user match, equal photos of two users do not.
   * Null for images uploaded before duplicate detection.
   */
  contentHash: Opt<string> | null = null;
  contentHashKeyId: Opt<string> | null = null;
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
    favorite: p.boolean().default(false),
    trashedAt: p.datetime(3).nullable(),
    contentHash: p.string().length(64).nullable(),
    contentHashKeyId: p.string().length(32).nullable(),
    storedBytes: p.bigint('number').defaultRaw('0'),
  },
  // Gallery pages: the owner's images not in the trash (trashed_at is null), newest first.
  indexes: [{ properties: ['owner', 'trashedAt', 'createdAt', 'id'] }],
  // One copy of the same bytes per user, also under concurrent uploads (null hashes never collide).
  uniques: [{ properties: ['owner', 'contentHash'] }],
});
