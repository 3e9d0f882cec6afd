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
