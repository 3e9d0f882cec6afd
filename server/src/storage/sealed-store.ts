import { webcrypto } from 'node:crypto';
import { generateDataKey, openBytes, openText, sealBlob, sealText } from '../crypto/envelope.js';
import type { KeyProvider } from '../crypto/key-provider.js';
import type { BlobStore, BlobVariant } from './blob-store.js';

/** What identifies an image's data key: the key is bound to the image and its owner. */
export interface KeyedImage {
  id: string;
  ownerId: string;
  wrappedKey: string;
  keyId: string;
}

/** An album's data key is bound to the album and its owner, in a namespace image ids cannot reach. */
export interface KeyedAlbum {
  id: string;
  ownerId: string;
  wrappedKey: string;
  keyId: string;
}

/** A keyed hash of an upload's bytes and the master key its per-user key came from. */
export interface ContentHash {
  hash: string;
  keyId: string;
}

/** The wrap context of an album's key; image ids are bare UUIDs, so "album:" keeps the two apart. */
const albumRef = (albumId: string) => `album:${albumId}`;
export const albumKeyContext = (albumId: string, ownerId: string) => ({ imageId: albumRef(albumId), userId: ownerId });

export interface NewImageKey {
  dek: Buffer;
  wrappedKey: string;
  keyId: string;
}

/**
 * Encryption at rest in front of the blob store: every blob and every sealed text field is
 * AES-256-GCM under the image's own data key, bound to the image id and its purpose; the data key
 * is stored only wrapped by the current master key. IntegrityError comes out of any tampering.
 */
export class SealedStore {
  constructor(
    readonly blobs: BlobStore,
    private readonly keys: KeyProvider,
  ) {}

  async newImageKey(imageId: string, ownerId: string): Promise<NewImageKey> {
    const dek = generateDataKey();
    const { wrapped, keyId } = (await this.keys.currentRing()).wrapKey(dek, { imageId, userId: ownerId });
    return { dek, wrappedKey: wrapped, keyId };
  }

  async openImageKey(image: KeyedImage): Promise<Buffer> {
    const ring = await this.keys.ringWith(image.keyId);
    return ring.unwrapKey(image.wrappedKey, image.keyId, { imageId: image.id, userId: image.ownerId });
  }

  async newAlbumKey(albumId: string, ownerId: string): Promise<NewImageKey> {
    const dek = generateDataKey();
    const { wrapped, keyId } = (await this.keys.currentRing()).wrapKey(dek, albumKeyContext(albumId, ownerId));
    return { dek, wrappedKey: wrapped, keyId };
  }

  async openAlbumKey(album: KeyedAlbum): Promise<Buffer> {
    const ring = await this.keys.ringWith(album.keyId);
    return ring.unwrapKey(album.wrappedKey, album.keyId, albumKeyContext(album.id, album.ownerId));
  }

  sealAlbumName(dek: Buffer, albumId: string, name: string): string {
    return sealText(dek, { imageId: albumRef(albumId), purpose: 'name' }, name);
  }

  openAlbumName(dek: Buffer, albumId: string, sealed: string): string {
    return openText(dek, { imageId: albumRef(albumId), purpose: 'name' }, sealed);
  }

  /**
   * The keyed hashes of `bytes` for this user, one per master key in the ring (current first):
   * an upload is stored with the current one and compared against all, so a rotation in
   * progress does not hide duplicates. One HMAC pass over bytes already in memory per key, on
   * libuv's thread pool (WebCrypto) so a large upload does not hold up the event loop.
   */
  async contentHashes(ownerId: string, bytes: Buffer): Promise<ContentHash[]> {
    const ring = await this.keys.currentRing();
    return Promise.all(
      ring.ids().map(async (keyId) => {
        const key = await webcrypto.subtle.importKey('raw', ring.contentHashKey(ownerId, keyId), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
        return { keyId, hash: Buffer.from(await webcrypto.subtle.sign('HMAC', key, bytes)).toString('hex') };
      }),
    );
  }

  put(storageId: string, variant: BlobVariant, imageId: string, dek: Buffer, data: Buffer): Promise<void> {
    return this.blobs.put(storageId, variant, sealBlob(dek, { imageId, purpose: variant }, data));
  }

  async get(storageId: string, variant: BlobVariant, imageId: string, dek: Buffer): Promise<Buffer> {
    return openBytes(dek, { imageId, purpose: variant }, await this.blobs.get(storageId, variant));
  }

  delete(storageId: string): Promise<void> {
    return this.blobs.delete(storageId);
  }

  sealField(dek: Buffer, imageId: string, field: 'filename' | 'metadata' | 'search', text: string): string {
    return sealText(dek, { imageId, purpose: field }, text);
  }

  openField(dek: Buffer, imageId: string, field: 'filename' | 'metadata' | 'search', sealed: string): string {
    return openText(dek, { imageId, purpose: field }, sealed);
  }
}
