import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { generateMasterKey, KeyRing, masterKeyFromBase64, type MasterKey } from './keyring.js';

/**
 * Where master keys come from, in order: LOCKFRAME_MASTER_KEY, LOCKFRAME_MASTER_KEY_FILE, or a
 * key file generated on first start under the data folder. Key file (JSON, mode 0600):
 *
 *   { "version": 1, "current": "<keyId>",
 *     "keys": [{ "id": "<keyId>", "key": "<base64 of 32 bytes>", "createdAt": "<ISO date>" }, …] }
 *
 * A file holding a single base64 line is accepted too, for simple setups; adding or removing a
 * key rewrites it in the JSON format. Messages name the file and the variable, never key bytes.
 */

export interface KeySource {
  masterKey?: string;
  masterKeyFile?: string;
  dataDir: string;
  /** Base64 keys from LOCKFRAME_PREVIOUS_MASTER_KEYS: still able to unwrap, never used to wrap. */
  previousKeys?: string[];
}

export interface LoadedKeys {
  ring: KeyRing;
  /** The key file in use, or null when the key came from the environment. */
  file: string | null;
  /** True when a new key file was just written: the caller must warn that it needs a backup. */
  generated: boolean;
}

interface KeyEntry {
  key: MasterKey;
  createdAt: string;
}

interface KeyFile {
  current: string;
  entries: KeyEntry[];
}

const FILE_VERSION = 1;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
// A key file is a few hundred bytes per key; anything huge is not one.
const MAX_FILE_BYTES = 1024 * 1024;

/** Next to the blobs folder, never inside it, so a blob backup alone does not carry the keys. */
export function defaultKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'master-keys.json');
}

export async function loadKeyRing(source: KeySource): Promise<LoadedKeys> {
  const previous = (source.previousKeys ?? []).map((b64, i) =>
    labelled(`LOCKFRAME_PREVIOUS_MASTER_KEYS (entry ${i + 1})`, () => masterKeyFromBase64(b64)),
  );

  if (source.masterKey !== undefined) {
    const key = labelled('LOCKFRAME_MASTER_KEY', () => masterKeyFromBase64(source.masterKey!));
    return { ring: new KeyRing(key, previous), file: null, generated: false };
  }

  if (source.masterKeyFile !== undefined) {
    const file = path.resolve(source.masterKeyFile);
    const contents = await readKeyFile(file, `LOCKFRAME_MASTER_KEY_FILE (${file})`);
    return { ring: toRing(contents, previous), file, generated: false };
  }

  const file = defaultKeyFile(source.dataDir);
  const generated = (await exists(file)) ? false : await createKeyFile(file);
  const contents = await readKeyFile(file, `key file ${file}`);
  return { ring: toRing(contents, previous), file, generated };
}

/** Generates a key and makes it current; older keys stay so existing images still open. */
export async function addKeyToFile(file: string): Promise<{ ring: KeyRing; added: MasterKey }> {
  const contents = await readKeyFile(file, `key file ${file}`);
  const added = generateMasterKey();
  const updated: KeyFile = {
    current: added.id,
    entries: [...contents.entries, { key: added, createdAt: new Date().toISOString() }],
  };
  await writeFileAtomic(file, serialize(updated), 'replace');
  return { ring: toRing(updated, []), added };
}

/**
 * Drops a key for good. Refuses the current key; the caller must first make sure no image is
 * still wrapped under `keyId` (rewrap them), or those images become unreadable.
 */
export async function removeKeyFromFile(file: string, keyId: string): Promise<void> {
  const contents = await readKeyFile(file, `key file ${file}`);
  if (keyId === contents.current) {
    throw new Error(`key file ${file}: ${keyId} is the current master key and cannot be removed; add a new key first`);
  }
  const entries = contents.entries.filter((e) => e.key.id !== keyId);
  if (entries.length === contents.entries.length) {
    throw new Error(`key file ${file}: no master key with id ${safeText(keyId)}`);
  }
  await writeFileAtomic(file, serialize({ current: contents.current, entries }), 'replace');
}

function toRing(contents: KeyFile, previous: MasterKey[]): KeyRing {
  const current = contents.entries.find((e) => e.key.id === contents.current)!.key;
  return new KeyRing(current, [...contents.entries.map((e) => e.key), ...previous]);
}

function labelled<T>(label: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`);
  }
}

/** Ids from a file are echoed in messages only if they look like ids; anything else may be a key. */
function safeText(value: unknown): string {
  return typeof value === 'string' && /^[0-9a-f]{16}$/.test(value) ? value : '(malformed id)';
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Returns false if another process created the file first; its key then wins, ours is dropped. */
async function createKeyFile(file: string): Promise<boolean> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
  const key = generateMasterKey();
  const contents = serialize({ current: key.id, entries: [{ key, createdAt: new Date().toISOString() }] });
  try {
    await writeFileAtomic(file, contents, 'create');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function serialize(contents: KeyFile): string {
  const body = {
    version: FILE_VERSION,
    current: contents.current,
    keys: contents.entries.map((e) => ({ id: e.key.id, key: e.key.key.toString('base64'), createdAt: e.createdAt })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * Readers see the old file or the new one, never half of either: write a private temporary
 * file, flush it, then move it into place. 'create' links instead of renaming, so an existing
 * key file — whose loss would make every image unreadable — is never overwritten.
 */
async function writeFileAtomic(file: string, contents: string, mode: 'create' | 'replace'): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', FILE_MODE);
    try {
      // open() applies the umask; set the mode exactly.
      await handle.chmod(FILE_MODE);
      await handle.writeFile(contents, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (mode === 'create') await link(tmp, file);
    else await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Makes the new directory entry durable. Some platforms cannot fsync a directory; the file
  // itself is already flushed, so that is tolerated.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

async function readKeyFile(file: string, label: string): Promise<KeyFile> {
  const fail = (problem: string) => new Error(`${label}: ${problem}`);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail('file not found');
    if (code === 'EACCES' || code === 'EPERM') throw fail('cannot be read (permission denied)');
    throw fail(`cannot be opened (${code ?? 'unknown error'})`);
  }
  let text: string;
  let modified: Date;
  try {
    // Checked on the open descriptor, so the file cannot be swapped between check and read.
    const stats = await handle.stat();
    if (!stats.isFile()) throw fail('is not a regular file');
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
      const octal = (stats.mode & 0o777).toString(8).padStart(3, '0');
      throw fail(`is accessible to other users (mode ${octal}); run \`chmod 600 ${file}\` (or mount it with mode 0400)`);
    }
    if (stats.size > MAX_FILE_BYTES) throw fail('is too large to be a key file');
    text = await handle.readFile('utf8');
    modified = stats.mtime;
  } finally {
    await handle.close();
  }
  return parseKeyFile(text.trim(), fail, modified);
}

function parseKeyFile(text: string, fail: (problem: string) => Error, modified: Date): KeyFile {
  if (text === '') throw fail('is empty');
  if (!text.startsWith('{') && !text.startsWith('[')) {
    if (/\s/.test(text)) throw fail('must hold either one base64 key or the JSON key file format');
    const key = keyFromText(text, fail, 'the key');
    return { current: key.id, entries: [{ key, createdAt: modified.toISOString() }] };
  }

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message quotes the file, which may include key bytes: leave it out.
    throw fail('is not valid JSON');
  }
  if (!isRecord(data)) throw fail('must be a JSON object');
  if (data.version !== FILE_VERSION) throw fail(`has an unsupported "version" (expected ${FILE_VERSION})`);
  if (!Array.isArray(data.keys) || data.keys.length === 0) throw fail('"keys" must be a non-empty list');

  const entries: KeyEntry[] = [];
  data.keys.forEach((raw: unknown, i: number) => {
    const where = `keys[${i}]`;
    if (!isRecord(raw) || typeof raw.key !== 'string' || typeof raw.id !== 'string') {
      throw fail(`${where} must have string "id" and "key" fields`);
    }
    const key = keyFromText(raw.key, fail, where);
    if (raw.id !== key.id) {
      throw fail(`${where}: id ${safeText(raw.id)} does not match its key (expected ${key.id}); was the file edited?`);
    }
    if (entries.some((e) => e.key.id === key.id)) throw fail(`${where}: key ${key.id} is listed twice`);
    const createdAt = typeof raw.createdAt === 'string' ? raw.createdAt : modified.toISOString();
    entries.push({ key, createdAt });
  });

  if (typeof data.current !== 'string' || !entries.some((e) => e.key.id === data.current)) {
    throw fail(`"current" must be the id of one of the listed keys (${entries.map((e) => e.key.id).join(', ')})`);
  }
  return { current: data.current, entries };
}

function keyFromText(text: string, fail: (problem: string) => Error, where: string): MasterKey {
  try {
    return masterKeyFromBase64(text);
  } catch (error) {
    throw fail(`${where}: ${(error as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
