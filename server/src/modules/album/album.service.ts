import { randomUUID } from 'node:crypto';
import { ALBUM_NAME_MAX } from '@lockframe/common';
import { IntegrityError } from '../../crypto/envelope.js';
import { AppError, badInput } from '../../errors.js';
import type { AlbumPolicy } from '../../policies/album.policy.js';
import type { SignedInScope } from '../../scope.js';
import type { SealedStore } from '../../storage/sealed-store.js';
import type { ImagePage, ImageService, ImageView } from '../image/image.service.js';
import type { AlbumRecord, AlbumRepository } from './album.repository.js';

/** An album with its name opened for its owner. */
export interface AlbumView {
  album: AlbumRecord;
  name: string;
}

export interface AlbumServiceDeps {
  albums: AlbumRepository;
  policy: AlbumPolicy;
  images: ImageService;
  store: SealedStore;
}

// Bidi controls and invisible marks could make a name read differently than it is; joiners stay (emoji).
const FORBIDDEN = /[\p{Cc}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/u;

/** A name as stored: NFC, trimmed, 1..ALBUM_NAME_MAX characters, no control or direction characters. */
export function validAlbumName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (!name) throw badInput('Give the album a name.', 'name');
  if (Array.from(name).length > ALBUM_NAME_MAX) throw badInput(`An album name has at most ${ALBUM_NAME_MAX} characters.`, 'name');
  if (FORBIDDEN.test(name)) throw badInput('An album name cannot contain control or text-direction characters.', 'name');
  return name;
}

/** A viewer's albums: names sealed under each album's own data key, membership of their own gallery images only. */
export class AlbumService {
  constructor(private readonly deps: AlbumServiceDeps) {}

  async list(scope: SignedInScope): Promise<AlbumView[]> {
    const rows = await this.deps.albums.listOwned(scope.em, scope.viewer.user.id);
    return Promise.all(rows.map((album) => this.present(scope, album)));
  }

  /** The album, or null when it is missing, malformed or someone else's. */
  async find(scope: SignedInScope, id: string): Promise<AlbumView | null> {
    const album = await this.deps.policy.find(scope, 'album.read', id);
    return album ? this.present(scope, album) : null;
  }

  async create(scope: SignedInScope, rawName: string): Promise<AlbumView> {
    const name = validAlbumName(rawName);
    const { store, albums } = this.deps;
    const id = randomUUID();
    const ownerId = scope.viewer.user.id;
    const key = await store.newAlbumKey(id, ownerId);
    const album: AlbumRecord = { id, ownerId, nameSealed: store.sealAlbumName(key.dek, id, name), wrappedKey: key.wrappedKey, keyId: key.keyId, createdAt: new Date() };
    await albums.insert(scope.em, album);
    return { album, name };
  }

  async rename(scope: SignedInScope, id: string, rawName: string): Promise<AlbumView> {
    const name = validAlbumName(rawName);
    const album = await this.deps.policy.require(scope, 'album.write', id);
    const dek = await this.open(scope, album, (s) => s.openAlbumKey(album));
    const nameSealed = this.deps.store.sealAlbumName(dek, album.id, name);
    await this.deps.albums.rename(scope.em, album.id, nameSealed);
    return { album: { ...album, nameSealed }, name };
  }

  /** The album goes; its photos stay in the gallery. */
  async delete(scope: SignedInScope, id: string): Promise<void> {
    const album = await this.deps.policy.require(scope, 'album.write', id);
    await this.deps.albums.delete(scope.em, album.id);
  }

  /** Every id must be one of the viewer's gallery images, or nothing changes and the answer is NOT_FOUND. */
  async add(scope: SignedInScope, albumId: string, imageIds: readonly string[]): Promise<AlbumView> {
    const album = await this.deps.policy.require(scope, 'album.write', albumId);
    const ids = await this.deps.images.requireWritable(scope, imageIds);
    await this.deps.albums.addImages(scope.em, album.id, ids);
    return this.present(scope, album);
  }

  /** Ids that are not in the album change nothing. */
  async remove(scope: SignedInScope, albumId: string, imageIds: readonly string[]): Promise<AlbumView> {
    const album = await this.deps.policy.require(scope, 'album.write', albumId);
    this.deps.images.checkBulk(imageIds, 'imageIds');
    await this.deps.albums.removeImages(scope.em, album.id, [...new Set(imageIds)]);
    return this.present(scope, album);
  }

  /** The album's gallery photos (never trashed ones), newest upload first. */
  images(scope: SignedInScope, album: AlbumRecord, args: { first: number; after?: string | null }): Promise<ImagePage> {
    return this.deps.images.list(scope, { ...args, filter: { albumId: album.id } });
  }

  imageCount(scope: SignedInScope, album: AlbumRecord): Promise<number> {
    return this.deps.images.countInAlbum(scope, album.id);
  }

  /** The newest photo in the album, or null when it has none in the gallery. */
  async cover(scope: SignedInScope, album: AlbumRecord): Promise<ImageView | null> {
    return (await this.images(scope, album, { first: 1 })).nodes[0] ?? null;
  }

  private async present(scope: SignedInScope, album: AlbumRecord): Promise<AlbumView> {
    const name = await this.open(scope, album, async (store) => store.openAlbumName(await store.openAlbumKey(album), album.id, album.nameSealed));
    return { album, name };
  }

  private async open<T>(scope: SignedInScope, album: AlbumRecord, work: (store: SealedStore) => Promise<T>): Promise<T> {
    try {
      return await work(this.deps.store);
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      scope.log.error({ albumId: album.id, err: error }, 'integrity failure: an album name or key does not verify');
      throw new AppError('INTEGRITY_ERROR', 'This album failed its integrity check. The incident has been logged.');
    }
  }
}
