import { randomBytes } from 'node:crypto';
import { decodeBase64, FORMAT_VERSION, IntegrityError, KEY_BYTES, open, seal, sealParts } from './aead.js';

export { FORMAT_VERSION, IntegrityError };

/**
 * Envelope encryption of one image's bytes. Each image has its own random data key (DEK); every
 * stored value — original, display variant, thumbnail, encrypted metadata and filename — is
 * sealed with AES-256-GCM under that key.
 *
 * Sealed layout (see aead.ts):
 *   [1 byte version = 1][12 bytes random nonce][ciphertext][16 bytes GCM tag]
 *
 * Authenticated data: the version byte, then the fields ("lockframe/blob/v1", imageId, purpose),
 * each length-prefixed. A blob therefore only opens for the image and purpose it was sealed
 * for; swapping a thumbnail onto another image, or a filename into the metadata column, fails.
 */

const BLOB_DOMAIN = 'lockframe/blob/v1';

/** What a sealed value belongs to. `purpose` names the variant or field, e.g. 'original', 'filename'. */
export interface BlobContext {
  imageId: string;
  purpose: string;
}

export function generateDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function aadFields(ctx: BlobContext): string[] {
  // An empty context would bind nothing; that is a caller bug, so fail loudly.
  if (!ctx.imageId || !ctx.purpose) throw new TypeError('blob context needs an imageId and a purpose');
  return [BLOB_DOMAIN, ctx.imageId, ctx.purpose];
}

export function sealBytes(dek: Buffer, ctx: BlobContext, plaintext: Buffer): Buffer {
  return seal(dek, aadFields(ctx), plaintext);
}

/** sealBytes as consecutive pieces (see sealParts): what a blob writer stores, without one more copy. */
export function sealBlob(dek: Buffer, ctx: BlobContext, plaintext: Buffer): Buffer[] {
  return sealParts(dek, aadFields(ctx), plaintext);
}

/** Throws IntegrityError if the value was altered, truncated, or sealed under another key or context. */
export function openBytes(dek: Buffer, ctx: BlobContext, sealed: Buffer): Buffer {
  return open(dek, aadFields(ctx), sealed);
}

/** Base64 of sealBytes(UTF-8 text), for database columns. */
export function sealText(dek: Buffer, ctx: BlobContext, text: string): string {
  return sealBytes(dek, ctx, Buffer.from(text, 'utf8')).toString('base64');
}

export function openText(dek: Buffer, ctx: BlobContext, sealed: string): string {
  const bytes = decodeBase64(sealed);
  if (!bytes) throw new IntegrityError('sealed text is not valid base64');
  return openBytes(dek, ctx, bytes).toString('utf8');
}
