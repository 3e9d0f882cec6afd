import type { PasswordPolicyName } from '@lockframe/common';
import { client } from '../graphql/client.ts';
import { ServerConfigQuery } from '../graphql/documents.ts';
import { DEFAULT_SERVER_SETTINGS, serverSettingsFrom, type ServerSettings } from '../server-config.ts';

/**
 * The server's limits and policies (public, the same for everyone), asked once per page load.
 * Until the answer is in, or if the server cannot be asked, the built-in defaults stand in; the
 * server re-checks everything anyway, so a stale default costs a round trip, never safety.
 */
class ServerConfigState {
  settings = $state.raw<ServerSettings>(DEFAULT_SERVER_SETTINGS);
  /** Whether the server has answered (false: the defaults are in use). */
  loaded = $state(false);
  #pending: Promise<ServerSettings> | null = null;

  get maxUploadBytes(): number {
    return this.settings.maxUploadBytes;
  }

  get passwordPolicy(): PasswordPolicyName {
    return this.settings.passwordPolicy;
  }

  get emailVerificationRequired(): boolean {
    return this.settings.emailVerificationRequired;
  }

  /**
   * The settings, asking the server until it has answered once. Never fails: without an answer
   * the defaults stay (no message; the next request that matters will say what is wrong), and the
   * next call asks again.
   */
  ensure(): Promise<ServerSettings> {
    if (this.loaded) return Promise.resolve(this.settings);
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #fetch(): Promise<ServerSettings> {
    const result = await client.query(ServerConfigQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    const config = result.data?.serverConfig;
    if (result.error || !config) return this.settings;
    this.settings = serverSettingsFrom(config);
    this.loaded = true;
    return this.settings;
  }
}

export const serverConfig = new ServerConfigState();
