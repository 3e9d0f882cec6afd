import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * AES-256-GCM with a fixed, self-describing layout. Shared by the image envelope (data keys
 * sealing blobs) and the key ring (master keys wrapping data keys); each passes its own
 * domain string so a sealed value of one kind can never be opened as the other.
 *
 *   [1 byte format version][12 bytes nonce][ciphertext, same length as plaintext][16 bytes tag]
 *
 * The authenticated data is the version byte followed by every context field, each as a
 * 4-byte big-endian byte length and its UTF-8 bytes. Length prefixes make the encoding
 * unambiguous: ("a:b", "c") and ("a", "b:c") give different bytes.
 */

export const FORMAT_VERSION = 1;

const ALGORITHM = 'aes-256-gcm';
export const KEY_BYTES = 32;
const VERSION_BYTES = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const OVERHEAD_BYTES = VERSION_BYTES + NONCE_BYTES + TAG_BYTES;

/**
 * Stored bytes failed authentication: tampered, truncated, sealed under another key or for
 * another image or purpose. Never the user's fault, so not an AppError; the caller logs it
 * and answers with a generic error. The message never contains key or plaintext bytes.
 */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

export function encodeAad(fields: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.of(FORMAT_VERSION)];
  for (const field of fields) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

/**
 * The key, checked, as a KeyObject: given a raw Buffer, Node tests it against every key type for
 * each cipher it makes, which costs about four times more than making the KeyObject (Node 24).
 */
function secretKey(key: Buffer): KeyObject {
  // A key of the wrong size is a programming error, not tampering.
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new TypeError(`encryption key must be ${KEY_BYTES} bytes`);
  }
  return createSecretKey(key);
}

export function seal(key: Buffer, aadFields: readonly string[], plaintext: Buffer): Buffer {
  return Buffer.concat(sealParts(key, aadFields, plaintext));
}

/**
 * The sealed layout as consecutive pieces, for writers that can take them as they are: joining
 * them would copy the whole ciphertext once more (megabytes per upload, and garbage to collect).
 */
export function sealParts(key: Buffer, aadFields: readonly string[], plaintext: Buffer): Buffer[] {
  const secret = secretKey(key);
  // A random 96-bit nonce per message: at well under 2^32 messages per key the collision
  // risk is negligible, and each data key seals only a handful of values.
  const head = Buffer.alloc(VERSION_BYTES + NONCE_BYTES);
  head[0] = FORMAT_VERSION;
  randomBytes(NONCE_BYTES).copy(head, VERSION_BYTES);
  const nonce = head.subarray(VERSION_BYTES);
  const cipher = createCipheriv(ALGORITHM, secret, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(encodeAad(aadFields));
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return tail.length === 0 ? [head, body, cipher.getAuthTag()] : [head, body, tail, cipher.getAuthTag()];
}

export function open(key: Buffer, aadFields: readonly string[], sealed: Buffer): Buffer {
  const secret = secretKey(key);
  if (!Buffer.isBuffer(sealed) || sealed.length < OVERHEAD_BYTES) {
    throw new IntegrityError('sealed data is truncated');
  }
  if (sealed[0] !== FORMAT_VERSION) {
    throw new IntegrityError('sealed data has an unknown format version');
  }
  const nonce = sealed.subarray(VERSION_BYTES, VERSION_BYTES + NONCE_BYTES);
  const body = sealed.subarray(VERSION_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, secret, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(encodeAad(aadFields));
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(body);
  try {
    const rest = decipher.final();
    // GCM has no block padding, so `rest` is empty; skip a copy of a possibly large buffer.
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  } catch {
    // Unauthenticated output must not linger in memory or reach anyone.
    plaintext.fill(0);
    throw new IntegrityError('sealed data failed authentication (tampered, wrong key or wrong context)');
  }
}

/** Strict base64 decoding: Buffer.from silently skips stray characters, this refuses them. */
export function decodeBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}
