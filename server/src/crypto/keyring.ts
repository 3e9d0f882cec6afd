import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { decodeBase64, IntegrityError, KEY_BYTES, open, seal } from './aead.js';

/**
 * Master keys wrap each image's data key (DEK). Only the wrapped DEK and the master key's id
 * are stored in the database; the master keys themselves live in the environment or a key
 * file and must never be printed. Everything here that could end up in a log line — error
 * messages, util.inspect, JSON.stringify, String() — shows key ids only.
 *
 * Wrapped DEK: base64 of [1 byte version = 1][12 bytes nonce][32 bytes encrypted DEK][16 bytes tag]
 * (61 bytes, 84 base64 characters). Authenticated data: the version byte, then the fields
 * ("lockframe/dek/v1", imageId, userId, keyId), each length-prefixed, so a wrapped key only
 * opens for the image, owner and master key it was made for.
 */

const DEK_DOMAIN = 'lockframe/dek/v1';
const SECRET_DOMAIN = 'lockframe/secret/v1';
const KEY_ID_LABEL = 'lockframe key id';
const CONTENT_HASH_DOMAIN = 'lockframe/content-hash/v1';
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/** What a small account secret (a TOTP seed) is sealed for: it opens only for that purpose and account. */
export interface SecretContext {
  purpose: string;
  userId: string;
}

export interface WrapContext {
  imageId: string;
  userId: string;
}

/**
 * A stable, public name for a key: it identifies which key wrapped a DEK without revealing
 * anything about the key (HMAC is a PRF, and only 64 bits are kept).
 */
export function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update(KEY_ID_LABEL).digest('hex').slice(0, 16);
}

/** Keeps the bytes in a private field, so only an explicit `.key` read can reach them. */
class RedactedMasterKey implements MasterKey {
  readonly id: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new Error(`a master key must be exactly ${KEY_BYTES} bytes`);
    }
    // A private copy: the caller may reuse or wipe its buffer.
    this.#key = Buffer.from(key);
    this.id = masterKeyId(this.#key);
  }

  get key(): Buffer {
    return this.#key;
  }

  toString(): string {
    return `[MasterKey ${this.id}]`;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  [inspectCustom](): string {
    return `MasterKey { id: '${this.id}', key: [redacted] }`;
  }
}

export function generateMasterKey(): MasterKey {
  return new RedactedMasterKey(randomBytes(KEY_BYTES));
}

/** Accepts standard or URL-safe base64, padding optional. The message never repeats the value. */
export function masterKeyFromBase64(b64: string): MasterKey {
  const text = b64.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new Error('master key is not valid base64 (expected base64 of 32 random bytes, e.g. `openssl rand -base64 32`)');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES) {
    throw new Error(`master key must decode to exactly ${KEY_BYTES} bytes, got ${bytes.length} (use \`openssl rand -base64 32\`)`);
  }
  const key = new RedactedMasterKey(bytes);
  bytes.fill(0);
  return key;
}

function toRedacted(key: MasterKey): RedactedMasterKey {
  const own = key instanceof RedactedMasterKey ? key : new RedactedMasterKey(key.key);
  // The stored id is what the database refers to; a mismatch means a corrupted key file.
  if (own.id !== key.id) throw new Error(`master key id ${safeId(key.id)} does not match its key`);
  return own;
}

function safeId(id: string): string {
  return KEY_ID_PATTERN.test(id) ? id : '(malformed id)';
}

function secretFields(ctx: SecretContext, keyId: string): string[] {
  if (!ctx.purpose || !ctx.userId) throw new TypeError('secret context needs a purpose and a userId');
  return [SECRET_DOMAIN, ctx.purpose, ctx.userId, keyId];
}

function wrapFields(ctx: WrapContext, keyId: string): string[] {
  if (!ctx.imageId || !ctx.userId) throw new TypeError('wrap context needs an imageId and a userId');
  return [DEK_DOMAIN, ctx.imageId, ctx.userId, keyId];
}

/** The current master key wraps new data keys; older keys stay only to unwrap until rotated away. */
export class KeyRing {
  readonly current: MasterKey;
  readonly #keys = new Map<string, RedactedMasterKey>();

  constructor(current: MasterKey, others: MasterKey[] = []) {
    const own = toRedacted(current);
    this.current = own;
    this.#keys.set(own.id, own);
    for (const other of others) {
      const key = toRedacted(other);
      if (!this.#keys.has(key.id)) this.#keys.set(key.id, key);
    }
  }

  get(id: string): MasterKey | undefined {
    return this.#keys.get(id);
  }

  /** Current key first. */
  ids(): string[] {
    return [...this.#keys.keys()];
  }

  wrapKey(dek: Buffer, ctx: WrapContext): { wrapped: string; keyId: string } {
    if (!Buffer.isBuffer(dek) || dek.length !== KEY_BYTES) {
      throw new TypeError(`a data key must be exactly ${KEY_BYTES} bytes`);
    }
    const { id, key } = this.current;
    return { wrapped: seal(key, wrapFields(ctx, id), dek).toString('base64'), keyId: id };
  }

  /** Throws IntegrityError for an unknown key id or a wrapped key that fails authentication. */
  unwrapKey(wrapped: string, keyId: string, ctx: WrapContext): Buffer {
    const dek = this.#open(wrapped, keyId, wrapFields(ctx, keyId), 'wrapped data key');
    if (dek.length !== KEY_BYTES) throw new IntegrityError('wrapped data key has the wrong length');
    return dek;
  }

  /** Moves a wrapped DEK to the current master key; already-current values are returned untouched. */
  rewrap(wrapped: string, keyId: string, ctx: WrapContext): { wrapped: string; keyId: string } {
    if (keyId === this.current.id) return { wrapped, keyId };
    const dek = this.unwrapKey(wrapped, keyId, ctx);
    try {
      return this.wrapKey(dek, ctx);
    } finally {
      dek.fill(0);
    }
  }

  /**
   * One user's key for duplicate detection, derived from master key `keyId` (HKDF-SHA-256, info
   * bound to the purpose and the user): a content hash under it says nothing about another
   * user's photos, and nothing at all without the master key.
   */
  contentHashKey(userId: string, keyId: string = this.current.id): Buffer {
    const master = this.#keys.get(keyId);
    if (!master) throw new IntegrityError(`unknown master key ${safeId(keyId)}: it is not in the key ring`);
    if (!userId) throw new TypeError('a content hash key needs a userId');
    return Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), `${CONTENT_HASH_DOMAIN}\0${userId}`, KEY_BYTES));
  }

  /**
   * Seals a small secret directly under the current master key (no data key: it is a few bytes
   * and lives in one column). Same layout as a wrapped DEK, another domain, so neither opens as the other.
   */
  sealSecret(secret: Buffer, ctx: SecretContext): { sealed: string; keyId: string } {
    const { id, key } = this.current;
    return { sealed: seal(key, secretFields(ctx, id), secret).toString('base64'), keyId: id };
  }

  /** Throws IntegrityError for an unknown key id or a sealed secret that fails authentication. */
  openSecret(sealed: string, keyId: string, ctx: SecretContext): Buffer {
    return this.#open(sealed, keyId, secretFields(ctx, keyId), 'sealed secret');
  }

  /** Opens base64 sealed under the master key `keyId`; IntegrityError names `what`, never a key. */
  #open(sealed: string, keyId: string, aad: string[], what: string): Buffer {
    const master = this.#keys.get(keyId);
    if (!master) throw new IntegrityError(`unknown master key ${safeId(keyId)}: it is not in the key ring`);
    const bytes = decodeBase64(sealed);
    if (!bytes) throw new IntegrityError(`${what} is not valid base64`);
    return open(master.key, aad, bytes);
  }

  /** Moves a sealed secret to the current master key; already-current values are returned untouched. */
  resealSecret(sealed: string, keyId: string, ctx: SecretContext): { sealed: string; keyId: string } {
    if (keyId === this.current.id) return { sealed, keyId };
    const secret = this.openSecret(sealed, keyId, ctx);
    try {
      return this.sealSecret(secret, ctx);
    } finally {
      secret.fill(0);
    }
  }

  toString(): string {
    return `[KeyRing current=${this.current.id} keys=${this.#keys.size}]`;
  }

  toJSON(): { current: string; keys: string[] } {
    return { current: this.current.id, keys: this.ids() };
  }

  [inspectCustom](): string {
    return `KeyRing { current: '${this.current.id}', keys: [${this.ids().map((id) => `'${id}'`).join(', ')}] }`;
  }
}
