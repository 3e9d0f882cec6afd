import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format, inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataKey } from '../../src/crypto/envelope.js';
import {
  addKeyToFile,
  defaultKeyFile,
  loadKeyRing,
  removeKeyFromFile,
} from '../../src/crypto/key-file.js';
import { generateMasterKey, KeyRing, masterKeyFromBase64, type MasterKey } from '../../src/crypto/keyring.js';

const mode = async (p: string) => (await stat(p)).mode & 0o777;
const b64Key = () => randomBytes(32).toString('base64');
const wrapCtx = { imageId: randomUUID(), userId: randomUUID() };

/** Every way a key could be spelled in text. */
function spellings(key: MasterKey): string[] {
  return [key.key.toString('base64'), key.key.toString('base64url'), key.key.toString('hex'), key.key.toString('latin1')];
}

function expectNoKeyBytes(text: string, keys: MasterKey[]): void {
  for (const key of keys) {
    for (const spelling of spellings(key)) expect(text).not.toContain(spelling);
    // Buffer's own inspect format: "<Buffer 3f a1 …>"
    expect(text).not.toContain(key.key.subarray(0, 8).toString('hex').replace(/(..)(?!$)/g, '$1 '));
  }
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('master key files', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-keys-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('generates a private default key file on first start and reuses it', async () => {
    const first = await loadKeyRing({ dataDir });
    const file = defaultKeyFile(dataDir);

    expect(first.generated).toBe(true);
    expect(first.file).toBe(file);
    expect(file).toBe(path.join(dataDir, 'keys', 'master-keys.json'));
    expect(await mode(file)).toBe(0o600);
    expect(await mode(path.dirname(file))).toBe(0o700);
    expect(await readdir(path.dirname(file))).toEqual(['master-keys.json']);

    const json = JSON.parse(await readFile(file, 'utf8'));
    expect(json).toMatchObject({ version: 1, current: first.ring.current.id });
    expect(json.keys).toHaveLength(1);
    expect(json.keys[0]).toMatchObject({ id: first.ring.current.id, key: first.ring.current.key.toString('base64') });
    expect(new Date(json.keys[0].createdAt).getTime()).not.toBeNaN();

    const second = await loadKeyRing({ dataDir });
    expect(second.generated).toBe(false);
    expect(second.ring.current.id).toBe(first.ring.current.id);
  });

  it('generates exactly one key when two processes start at once', async () => {
    const [a, b] = await Promise.all([loadKeyRing({ dataDir }), loadKeyRing({ dataDir })]);
    expect(a.ring.current.id).toBe(b.ring.current.id);
    expect([a.generated, b.generated].filter(Boolean).length).toBe(1);
    expect(await readdir(path.join(dataDir, 'keys'))).toEqual(['master-keys.json']);
  });

  it('uses LOCKFRAME_MASTER_KEY and previous keys without touching the disk', async () => {
    const current = b64Key();
    const previous = [b64Key(), b64Key()];
    const loaded = await loadKeyRing({ dataDir, masterKey: current, previousKeys: previous });

    expect(loaded.file).toBeNull();
    expect(loaded.generated).toBe(false);
    expect(loaded.ring.current.id).toBe(masterKeyFromBase64(current).id);
    expect(loaded.ring.ids()).toEqual([current, ...previous].map((k) => masterKeyFromBase64(k).id));
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('names the variable when an environment key is bad, without echoing it', async () => {
    const short = randomBytes(31).toString('base64');
    const error = await errorOf(loadKeyRing({ dataDir, masterKey: short }));
    expect(error.message).toMatch(/^LOCKFRAME_MASTER_KEY: .*exactly 32 bytes, got 31/);
    expect(error.message).not.toContain(short);

    const junk = 'not base64 at all!';
    const junkError = await errorOf(loadKeyRing({ dataDir, masterKey: junk }));
    expect(junkError.message).toMatch(/^LOCKFRAME_MASTER_KEY: .*not valid base64/);
    expect(junkError.message).not.toContain(junk);

    const prevError = await errorOf(loadKeyRing({ dataDir, masterKey: b64Key(), previousKeys: [b64Key(), short] }));
    expect(prevError.message).toMatch(/^LOCKFRAME_PREVIOUS_MASTER_KEYS \(entry 2\): /);
  });

  it('reads a key file holding one base64 line', async () => {
    const file = path.join(dataDir, 'master.key');
    const key = b64Key();
    await writeFile(file, `${key}\n`, { mode: 0o600 });

    const loaded = await loadKeyRing({ dataDir, masterKeyFile: file });
    expect(loaded.file).toBe(file);
    expect(loaded.generated).toBe(false);
    expect(loaded.ring.current.id).toBe(masterKeyFromBase64(key).id);
    expect(loaded.ring.current.key).toEqual(Buffer.from(key, 'base64'));
  });

  it('refuses a key file other users can read', async () => {
    const file = path.join(dataDir, 'master.key');
    await writeFile(file, b64Key());
    for (const loose of [0o644, 0o640, 0o604, 0o660]) {
      await chmod(file, loose);
      const error = await errorOf(loadKeyRing({ dataDir, masterKeyFile: file }));
      expect(error.message).toContain('LOCKFRAME_MASTER_KEY_FILE');
      expect(error.message).toContain(`chmod 600 ${file}`);
    }
    await chmod(file, 0o400);
    await expect(loadKeyRing({ dataDir, masterKeyFile: file })).resolves.toBeTruthy();
  });

  it('refuses a loose default key file too', async () => {
    const { ring } = await loadKeyRing({ dataDir });
    await chmod(defaultKeyFile(dataDir), 0o644);
    const error = await errorOf(loadKeyRing({ dataDir }));
    expect(error.message).toMatch(/chmod 600/);
    expectNoKeyBytes(error.message, [ring.current]);
  });

  it('explains a missing, invalid or mismatched key file, naming the variable and never the key', async () => {
    const file = path.join(dataDir, 'master-keys.json');
    const load = () => errorOf(loadKeyRing({ dataDir, masterKeyFile: file }));

    expect((await load()).message).toBe(`LOCKFRAME_MASTER_KEY_FILE (${file}): file not found`);

    const key = generateMasterKey();
    const b64 = key.key.toString('base64');
    const cases: Array<[string, RegExp]> = [
      ['', /is empty/],
      // JSON.parse would quote this text, key included, in its own message.
      [`{"version":1,"keys":[{"id":"${key.id}","key":"${b64}"`, /is not valid JSON$/],
      ['[]', /must be a JSON object/],
      [JSON.stringify({ version: 2, current: key.id, keys: [{ id: key.id, key: b64 }] }), /unsupported "version"/],
      [JSON.stringify({ version: 1, current: key.id, keys: [] }), /"keys" must be a non-empty list/],
      [JSON.stringify({ version: 1, current: key.id, keys: [{ id: key.id, key: b64.slice(0, 20) }] }), /keys\[0\]: .*32 bytes/],
      [JSON.stringify({ version: 1, current: key.id, keys: [{ id: '0000000000000000', key: b64 }] }), /does not match its key/],
      [JSON.stringify({ version: 1, current: key.id, keys: [{ id: key.id, key: b64 }, { id: key.id, key: b64 }] }), /listed twice/],
      [JSON.stringify({ version: 1, current: 'ffffffffffffffff', keys: [{ id: key.id, key: b64 }] }), /"current" must be/],
      [`${b64}\n${b64Key()}`, /one base64 key or the JSON/],
      [randomBytes(16).toString('base64'), /the key: .*exactly 32 bytes, got 16/],
    ];
    for (const [contents, expected] of cases) {
      await writeFile(file, contents, { mode: 0o600 });
      const error = await load();
      expect(error.message).toMatch(/^LOCKFRAME_MASTER_KEY_FILE \(/);
      expect(error.message).toMatch(expected);
      expectNoKeyBytes(error.message, [key]);
    }
  });

  it('adds a key, makes it current, and keeps the old one for unwrapping', async () => {
    const { ring: original, file } = await loadKeyRing({ dataDir });
    const dek = generateDataKey();
    const old = original.wrapKey(dek, wrapCtx);

    const { ring, added } = await addKeyToFile(file!);
    expect(ring.current.id).toBe(added.id);
    expect(ring.ids()).toEqual([added.id, original.current.id]);
    expect(await mode(file!)).toBe(0o600);
    expect(await readdir(path.dirname(file!))).toEqual(['master-keys.json']);

    const reloaded = await loadKeyRing({ dataDir });
    expect(reloaded.generated).toBe(false);
    expect(reloaded.ring.current.id).toBe(added.id);
    expect(reloaded.ring.unwrapKey(old.wrapped, old.keyId, wrapCtx)).toEqual(dek);
    const moved = reloaded.ring.rewrap(old.wrapped, old.keyId, wrapCtx);
    expect(moved.keyId).toBe(added.id);

    await removeKeyFromFile(file!, original.current.id);
    const after = await loadKeyRing({ dataDir });
    expect(after.ring.ids()).toEqual([added.id]);
    expect(after.ring.unwrapKey(moved.wrapped, moved.keyId, wrapCtx)).toEqual(dek);
    expect(() => after.ring.unwrapKey(old.wrapped, old.keyId, wrapCtx)).toThrow(/unknown master key/);
    expect(await mode(file!)).toBe(0o600);
  });

  it('refuses to remove the current key or an unknown one', async () => {
    const { ring, file } = await loadKeyRing({ dataDir });
    await expect(removeKeyFromFile(file!, ring.current.id)).rejects.toThrow(/current master key and cannot be removed/);
    await expect(removeKeyFromFile(file!, '0123456789abcdef')).rejects.toThrow(/no master key with id 0123456789abcdef/);
    expect((await loadKeyRing({ dataDir })).ring.ids()).toEqual([ring.current.id]);
  });

  it('upgrades a one-line key file to the JSON format when adding a key', async () => {
    const file = path.join(dataDir, 'master.key');
    const key = b64Key();
    await writeFile(file, key, { mode: 0o600 });

    const { added } = await addKeyToFile(file);
    const json = JSON.parse(await readFile(file, 'utf8'));
    expect(json.current).toBe(added.id);
    expect(json.keys.map((k: { id: string }) => k.id)).toEqual([masterKeyFromBase64(key).id, added.id]);
  });
});

describe('master keys never print their bytes', () => {
  it('key ids are derived, short and stable', () => {
    const b64 = b64Key();
    const a = masterKeyFromBase64(b64);
    const b = masterKeyFromBase64(b64);
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(generateMasterKey().id);
    expect(b64).not.toContain(a.id);
  });

  it('hides key bytes from inspect, JSON, String and object spread', () => {
    const current = generateMasterKey();
    const old = generateMasterKey();
    const ring = new KeyRing(current, [old]);
    const keys = [current, old];

    const outputs = [
      inspect(ring),
      inspect(ring, { showHidden: true, depth: Infinity, getters: true }),
      inspect({ nested: { ring, current } }, { depth: Infinity }),
      inspect(current, { showHidden: true, getters: true }),
      format('%o %O %s %j', ring, current, ring, { ring, current }),
      JSON.stringify(ring),
      JSON.stringify(current),
      JSON.stringify({ ring, keys: [current, old], got: ring.get(old.id) }),
      String(ring),
      String(current),
      `${ring} ${current}`,
      JSON.stringify({ ...current }),
      inspect({ ...current }),
      Object.keys(current).join(','),
      Object.keys(ring).join(','),
    ];
    for (const text of outputs) expectNoKeyBytes(text, keys);

    expect(inspect(ring)).toContain(current.id);
    expect(inspect(current)).toBe(`MasterKey { id: '${current.id}', key: [redacted] }`);
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ current: current.id, keys: [current.id, old.id] });
    expect(JSON.parse(JSON.stringify(current))).toEqual({ id: current.id });
    // The bytes are still there for the code that asks for them explicitly.
    expect(current.key).toHaveLength(32);
  });

  it('copies keys handed to the ring and keeps the ring keys private', () => {
    const raw = randomBytes(32);
    const plain = { id: masterKeyFromBase64(raw.toString('base64')).id, key: raw };
    const ring = new KeyRing(plain);
    const expected = Buffer.from(raw);
    raw.fill(0);
    expect(ring.current.key).toEqual(expected);
    expectNoKeyBytes(inspect(ring, { showHidden: true, depth: Infinity }), [ring.current]);
  });
});

describe('content hash keys', () => {
  it('are per user and per master key, stable, and never the master key itself', () => {
    const master = generateMasterKey();
    const ring = new KeyRing(master);
    const alice = ring.contentHashKey('alice');
    expect(alice).toHaveLength(32);
    expect(ring.contentHashKey('alice').equals(alice)).toBe(true);
    expect(ring.contentHashKey('bob').equals(alice)).toBe(false);
    expect(alice.equals(master.key)).toBe(false);
    const other = new KeyRing(generateMasterKey(), [master]);
    expect(other.contentHashKey('alice').equals(alice)).toBe(false);
    expect(other.contentHashKey('alice', master.id).equals(alice)).toBe(true);
    expect(() => ring.contentHashKey('alice', 'ffffffffffffffff')).toThrow(/unknown master key/);
    expect(() => ring.contentHashKey('')).toThrow(TypeError);
  });
});

describe('sealed account secrets', () => {
  it('open only for their purpose, account and key, and move to a new current key', async () => {
    const { KeyRing, generateMasterKey } = await import('../../src/crypto/keyring.js');
    const { IntegrityError } = await import('../../src/crypto/aead.js');
    const oldKey = generateMasterKey();
    const ring = new KeyRing(oldKey);
    const secret = Buffer.from('0123456789abcdefghij');
    const ctx = { purpose: 'totp', userId: 'u1' };
    const { sealed, keyId } = ring.sealSecret(secret, ctx);
    expect(keyId).toBe(oldKey.id);
    expect(Buffer.from(sealed, 'base64').includes(secret)).toBe(false);
    expect(ring.openSecret(sealed, keyId, ctx)).toEqual(secret);
    expect(() => ring.openSecret(sealed, keyId, { purpose: 'totp', userId: 'u2' })).toThrow(IntegrityError);
    expect(() => ring.openSecret(sealed, keyId, { purpose: 'other', userId: 'u1' })).toThrow(IntegrityError);
    // A wrapped image key and a sealed secret are different domains under the same master key.
    const wrapped = ring.wrapKey(Buffer.alloc(32, 7), { imageId: 'totp', userId: 'u1' });
    expect(() => ring.openSecret(wrapped.wrapped, wrapped.keyId, ctx)).toThrow(IntegrityError);
    const next = new KeyRing(generateMasterKey(), [oldKey]);
    const moved = next.resealSecret(sealed, keyId, ctx);
    expect(moved.keyId).toBe(next.current.id);
    expect(new KeyRing(next.current).openSecret(moved.sealed, moved.keyId, ctx)).toEqual(secret);
    expect(next.resealSecret(moved.sealed, moved.keyId, ctx)).toEqual(moved);
  });
});
