import { stat } from 'node:fs/promises';
import { loadKeyRing, type KeySource, type LoadedKeys } from './key-file.js';
import type { KeyRing } from './keyring.js';

/** How often a running server looks at the key file for a rotation. */
const CHECK_INTERVAL_MS = 5_000;

/**
 * The master keys a running server uses. When keys live in a file, a rotation run by
 * `npm run keys:rotate` changes that file; the server notices (by mtime: before wrapping each new
 * image key, otherwise at most every few seconds, or at once when it meets a key id it doesn't
 * know) and reloads, so it keeps serving.
 */
export class KeyProvider {
  private loaded: LoadedKeys;
  private mtimeMs = 0;
  private checkedAt = 0;

  private constructor(
    private readonly source: KeySource,
    loaded: LoadedKeys,
  ) {
    this.loaded = loaded;
  }

  static async open(source: KeySource): Promise<KeyProvider> {
    const provider = new KeyProvider(source, await loadKeyRing(source));
    if (provider.loaded.file) provider.mtimeMs = (await stat(provider.loaded.file)).mtimeMs;
    provider.checkedAt = Date.now();
    return provider;
  }

  get generated(): boolean {
    return this.loaded.generated;
  }

  get file(): string | null {
    return this.loaded.file;
  }

  /** The ring, reloaded first if the key file changed since the last look. */
  async ring(): Promise<KeyRing> {
    if (this.loaded.file && Date.now() - this.checkedAt > CHECK_INTERVAL_MS) await this.refresh();
    return this.loaded.ring;
  }

  /**
   * The ring to wrap a new data key with, after a look at the key file (one stat): right after a
   * rotation new images must go under the new key, not under one that may be dropped next.
   */
  async currentRing(): Promise<KeyRing> {
    await this.refresh();
    return this.loaded.ring;
  }

  /** A ring that knows `keyId`, reloading the file once if needed. */
  async ringWith(keyId: string): Promise<KeyRing> {
    const ring = await this.ring();
    if (ring.get(keyId) || !this.loaded.file) return ring;
    await this.refresh(true);
    return this.loaded.ring;
  }

  async refresh(force = false): Promise<void> {
    if (!this.loaded.file) return;
    this.checkedAt = Date.now();
    const { mtimeMs } = await stat(this.loaded.file);
    if (!force && mtimeMs === this.mtimeMs) return;
    this.loaded = { ...(await loadKeyRing({ ...this.source, masterKeyFile: this.loaded.file })), generated: false };
    this.mtimeMs = mtimeMs;
  }
}
