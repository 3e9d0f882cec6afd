import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeAad } from '../../src/crypto/aead.js';
import {
  FORMAT_VERSION,
  generateDataKey,
  IntegrityError,
  openBytes,
  openText,
  sealBlob,
  sealBytes,
  sealText,
  type BlobContext,
} from '../../src/crypto/envelope.js';
import { generateMasterKey, KeyRing, type WrapContext } from '../../src/crypto/keyring.js';

const MiB = 1024 * 1024;
const NONCE = { start: 1, end: 13 };
const TAG_BYTES = 16;

const ctx = (purpose = 'original', imageId = 'img-1'): BlobContext => ({ imageId, purpose });
const wrapCtx: WrapContext = { imageId: randomUUID(), userId: randomUUID() };

function flipBit(buf: Buffer, index: number, bit = 0): Buffer {
  const copy = Buffer.from(buf);
  copy[index]! ^= 1 << bit;
  return copy;
}

describe('envelope: sealBytes / openBytes', () => {
  it('round-trips and uses the documented layout', () => {
    const dek = generateDataKey();
    const plaintext = Buffer.from('hello, vault');
    const sealed = sealBytes(dek, ctx(), plaintext);

    expect(dek).toHaveLength(32);
    expect(sealed).toHaveLength(1 + 12 + plaintext.length + 16);
    expect(sealed[0]).toBe(FORMAT_VERSION);
    expect(openBytes(dek, ctx(), sealed)).toEqual(plaintext);
  });

  it('sealBlob gives the same layout in pieces, one of them the whole ciphertext', () => {
    const dek = generateDataKey();
    const plaintext = randomBytes(100_000);
    const parts = sealBlob(dek, ctx(), plaintext);
    const joined = Buffer.concat(parts);
    expect(joined).toHaveLength(1 + 12 + plaintext.length + 16);
    expect(joined[0]).toBe(FORMAT_VERSION);
    expect(parts.some((part) => part.length === plaintext.length)).toBe(true);
    expect(openBytes(dek, ctx(), joined).equals(plaintext)).toBe(true);
    expect(() => openBytes(dek, ctx('display'), joined)).toThrow(IntegrityError);
    const nonces = new Set(Array.from({ length: 100 }, () => Buffer.concat(sealBlob(dek, ctx(), plaintext)).subarray(NONCE.start, NONCE.end).toString('hex')));
    expect(nonces.size).toBe(100);
  });

  it('seals an empty plaintext', () => {
    const dek = generateDataKey();
    const sealed = sealBytes(dek, ctx('filename'), Buffer.alloc(0));
    expect(sealed).toHaveLength(29);
    expect(openBytes(dek, ctx('filename'), sealed)).toHaveLength(0);
  });

  it('round-trips a 50 MB blob', () => {
    const dek = generateDataKey();
    const big = Buffer.alloc(50 * MiB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    const opened = openBytes(dek, ctx(), sealBytes(dek, ctx(), big));
    expect(opened.equals(big)).toBe(true);
  });

  it('uses a fresh nonce every time', () => {
    const dek = generateDataKey();
    const plaintext = Buffer.from('the same bytes every time');
    const nonces = new Set<string>();
    const sealedSet = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const sealed = sealBytes(dek, ctx(), plaintext);
      nonces.add(sealed.subarray(NONCE.start, NONCE.end).toString('hex'));
      sealedSet.add(sealed.toString('hex'));
    }
    expect(nonces.size).toBe(1000);
    expect(sealedSet.size).toBe(1000);
  });

  it('never contains the plaintext', () => {
    const dek = generateDataKey();
    const plaintext = Buffer.from('LOCKFRAME-SECRET-PLAINTEXT-'.repeat(40).slice(0, 1024));
    const sealed = sealBytes(dek, ctx(), plaintext);
    expect(sealed.includes(plaintext)).toBe(false);
    // Not even a short recognisable piece of it.
    expect(sealed.includes(Buffer.from('LOCKFRAME-SECRET'))).toBe(false);
    expect(openBytes(dek, ctx(), sealed)).toEqual(plaintext);
  });

  it('binds the blob to its image and purpose', () => {
    const dek = generateDataKey();
    const sealed = sealBytes(dek, ctx('thumbnail', 'img-1'), Buffer.from('tiny jpeg'));

    expect(() => openBytes(dek, ctx('thumbnail', 'img-2'), sealed)).toThrow(IntegrityError);
    expect(() => openBytes(dek, ctx('display', 'img-1'), sealed)).toThrow(IntegrityError);
    expect(() => openBytes(dek, ctx('Thumbnail', 'img-1'), sealed)).toThrow(IntegrityError);
    expect(openBytes(dek, ctx('thumbnail', 'img-1'), sealed).toString()).toBe('tiny jpeg');
  });

  it('encodes the context unambiguously', () => {
    expect(encodeAad(['d', 'a:b', 'c']).equals(encodeAad(['d', 'a', 'b:c']))).toBe(false);
    expect(encodeAad(['d', 'ab', '']).equals(encodeAad(['d', 'a', 'b']))).toBe(false);

    const dek = generateDataKey();
    const sealed = sealBytes(dek, ctx('c', 'a:b'), Buffer.from('x'));
    expect(() => openBytes(dek, ctx('b:c', 'a'), sealed)).toThrow(IntegrityError);
  });

  it('detects a flipped bit anywhere: version, nonce, ciphertext, tag', () => {
    const dek = generateDataKey();
    const sealed = sealBytes(dek, ctx(), Buffer.from('a'.repeat(64)));
    const regions = {
      version: 0,
      nonce: 5,
      ciphertext: 13 + 30,
      tag: sealed.length - TAG_BYTES + 3,
    };
    for (const index of Object.values(regions)) {
      for (let bit = 0; bit < 8; bit++) {
        expect(() => openBytes(dek, ctx(), flipBit(sealed, index, bit))).toThrow(IntegrityError);
      }
    }
    // And every other byte too.
    for (let i = 0; i < sealed.length; i++) {
      expect(() => openBytes(dek, ctx(), flipBit(sealed, i, i % 8))).toThrow(IntegrityError);
    }
  });

  it('rejects truncated, extended and unknown-version input', () => {
    const dek = generateDataKey();
    const sealed = sealBytes(dek, ctx(), Buffer.from('some bytes to cut short'));
    for (let length = 0; length < sealed.length; length++) {
      expect(() => openBytes(dek, ctx(), sealed.subarray(0, length))).toThrow(IntegrityError);
    }
    expect(() => openBytes(dek, ctx(), Buffer.concat([sealed, Buffer.of(0)]))).toThrow(IntegrityError);

    const v2 = Buffer.from(sealed);
    v2[0] = 2;
    expect(() => openBytes(dek, ctx(), v2)).toThrow(/unknown format version/);
  });

  it('rejects another data key', () => {
    const sealed = sealBytes(generateDataKey(), ctx(), Buffer.from('mine'));
    expect(() => openBytes(generateDataKey(), ctx(), sealed)).toThrow(IntegrityError);
  });

  it('treats a malformed key or context as a programming error, not tampering', () => {
    const dek = generateDataKey();
    expect(() => sealBytes(dek.subarray(0, 16), ctx(), Buffer.from('x'))).toThrow(TypeError);
    expect(() => sealBytes(dek, { imageId: '', purpose: 'original' }, Buffer.from('x'))).toThrow(TypeError);
    expect(() => sealBytes(dek, { imageId: 'img', purpose: '' }, Buffer.from('x'))).toThrow(TypeError);
  });

  it('does not put plaintext or key bytes in error messages', () => {
    const dek = generateDataKey();
    const sealed = sealBytes(dek, ctx(), Buffer.from('PRIVATE-NAME'));
    try {
      openBytes(dek, ctx('display'), sealed);
      expect.unreachable();
    } catch (error) {
      const text = `${(error as Error).message} ${(error as Error).stack}`;
      expect(text).not.toContain('PRIVATE-NAME');
      expect(text).not.toContain(dek.toString('hex'));
      expect(text).not.toContain(dek.toString('base64'));
      expect(error).not.toBeInstanceOf(TypeError);
      expect((error as Error).name).toBe('IntegrityError');
    }
  });
});

describe('envelope: sealText / openText', () => {
  it('round-trips unicode through base64', () => {
    const dek = generateDataKey();
    const name = 'Ferien 🏖️ Zürich — 東京 «2024».jpg';
    const sealed = sealText(dek, ctx('filename'), name);
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(openText(dek, ctx('filename'), sealed)).toBe(name);
    expect(openText(dek, ctx('metadata'), sealText(dek, ctx('metadata'), ''))).toBe('');
  });

  it('binds text to its field and refuses mangled base64', () => {
    const dek = generateDataKey();
    const sealed = sealText(dek, ctx('filename'), 'beach.jpg');
    expect(() => openText(dek, ctx('metadata'), sealed)).toThrow(IntegrityError);
    expect(() => openText(dek, ctx('filename'), `${sealed}!`)).toThrow(IntegrityError);
    expect(() => openText(dek, ctx('filename'), ` ${sealed}`)).toThrow(IntegrityError);
    expect(() => openText(dek, ctx('filename'), sealed.slice(0, -4))).toThrow(IntegrityError);
  });
});

describe('KeyRing: wrapping data keys', () => {
  it('wraps and unwraps a data key', () => {
    const ring = new KeyRing(generateMasterKey());
    const dek = generateDataKey();
    const { wrapped, keyId } = ring.wrapKey(dek, wrapCtx);

    expect(keyId).toBe(ring.current.id);
    expect(Buffer.from(wrapped, 'base64')).toHaveLength(1 + 12 + 32 + 16);
    expect(wrapped).not.toContain(dek.toString('base64'));
    expect(ring.unwrapKey(wrapped, keyId, wrapCtx)).toEqual(dek);
    // Two wraps of the same key differ (fresh nonce).
    expect(ring.wrapKey(dek, wrapCtx).wrapped).not.toBe(wrapped);
  });

  it('binds the wrapped key to image and owner', () => {
    const ring = new KeyRing(generateMasterKey());
    const { wrapped, keyId } = ring.wrapKey(generateDataKey(), wrapCtx);

    expect(() => ring.unwrapKey(wrapped, keyId, { ...wrapCtx, userId: randomUUID() })).toThrow(IntegrityError);
    expect(() => ring.unwrapKey(wrapped, keyId, { ...wrapCtx, imageId: randomUUID() })).toThrow(IntegrityError);
  });

  it('detects tampering and a wrong master key', () => {
    const ring = new KeyRing(generateMasterKey());
    const { wrapped, keyId } = ring.wrapKey(generateDataKey(), wrapCtx);
    const raw = Buffer.from(wrapped, 'base64');
    for (let i = 0; i < raw.length; i++) {
      const bad = flipBit(raw, i, i % 8).toString('base64');
      expect(() => ring.unwrapKey(bad, keyId, wrapCtx)).toThrow(IntegrityError);
    }
    expect(() => ring.unwrapKey(wrapped.slice(0, -8), keyId, wrapCtx)).toThrow(IntegrityError);

    // Ids are derived from the keys, so another key cannot pose under this id…
    const impostor = { id: keyId, key: generateMasterKey().key };
    expect(() => new KeyRing(impostor)).toThrow(/does not match its key/);
    // …and a ring without the key does not know the id.
    const other = new KeyRing(generateMasterKey());
    expect(() => other.unwrapKey(wrapped, keyId, wrapCtx)).toThrow(/unknown master key/);
  });

  it('reports an unknown key id as an integrity failure without echoing junk', () => {
    const ring = new KeyRing(generateMasterKey());
    const { wrapped } = ring.wrapKey(generateDataKey(), wrapCtx);
    expect(() => ring.unwrapKey(wrapped, '0123456789abcdef', wrapCtx)).toThrow(IntegrityError);
    expect(() => ring.unwrapKey(wrapped, '0123456789abcdef', wrapCtx)).toThrow(/unknown master key 0123456789abcdef/);
    expect(() => ring.unwrapKey(wrapped, 'SOMETHING ODD', wrapCtx)).toThrow(/unknown master key \(malformed id\)/);
  });

  it('keeps blobs and wrapped keys in separate domains', () => {
    const master = generateMasterKey();
    const ring = new KeyRing(master);
    const dek = generateDataKey();
    // A value sealed as a blob under the master key must not pass as a wrapped data key.
    const forged = sealBytes(master.key, { imageId: wrapCtx.imageId, purpose: wrapCtx.userId }, dek).toString('base64');
    expect(() => ring.unwrapKey(forged, master.id, wrapCtx)).toThrow(IntegrityError);
  });

  it('rewraps under the current key, idempotently, so old keys can be retired', () => {
    const oldKey = generateMasterKey();
    const newKey = generateMasterKey();
    const dek = generateDataKey();
    const before = new KeyRing(oldKey).wrapKey(dek, wrapCtx);

    const rotating = new KeyRing(newKey, [oldKey]);
    expect(rotating.ids()).toEqual([newKey.id, oldKey.id]);
    const after = rotating.rewrap(before.wrapped, before.keyId, wrapCtx);
    expect(after.keyId).toBe(newKey.id);
    expect(rotating.unwrapKey(after.wrapped, after.keyId, wrapCtx)).toEqual(dek);
    expect(rotating.rewrap(after.wrapped, after.keyId, wrapCtx)).toEqual(after);

    const retired = new KeyRing(newKey);
    expect(retired.unwrapKey(after.wrapped, after.keyId, wrapCtx)).toEqual(dek);
    expect(() => retired.unwrapKey(before.wrapped, before.keyId, wrapCtx)).toThrow(IntegrityError);
    expect(() => retired.rewrap(before.wrapped, before.keyId, wrapCtx)).toThrow(/unknown master key/);
    // The old ring cannot read what was moved.
    expect(() => new KeyRing(oldKey).unwrapKey(after.wrapped, after.keyId, wrapCtx)).toThrow(IntegrityError);
  });

  it('refuses a data key of the wrong size', () => {
    const ring = new KeyRing(generateMasterKey());
    expect(() => ring.wrapKey(Buffer.alloc(16), wrapCtx)).toThrow(TypeError);
  });
});
