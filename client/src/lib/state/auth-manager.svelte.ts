import { toAppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import { MeQuery, type User } from '../graphql/documents.ts';

/**
 * Who is logged in, as far as this tab knows. The session itself is an HttpOnly cookie the
 * page cannot read; this only remembers the server's answer to `me` until something changes it.
 */
class AuthManager {
  user = $state<User | null>(null);
  /** Whether the server has been asked since the page loaded (or since the session was found gone). */
  known = $state(false);
  #pending: Promise<User | null> | null = null;

  get loggedIn(): boolean {
    return this.user !== null;
  }

  /** The logged-in user or null, asking the server at most once until the answer changes. Throws an AppError when it cannot tell. */
  ensure(): Promise<User | null> {
    if (this.known) return Promise.resolve(this.user);
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  /** Asks the server again, e.g. after coming back to a tab. */
  refresh(): Promise<User | null> {
    this.known = false;
    return this.ensure();
  }

  set(user: User): void {
    this.user = user;
    this.known = true;
  }

  /** The server says this account's e-mail address is (or is not) confirmed. */
  setEmailVerified(verified: boolean): void {
    if (this.user && this.user.emailVerified !== verified) this.user = { ...this.user, emailVerified: verified };
  }

  /** Logged out, or the server said the session is gone. */
  clear(): void {
    this.user = null;
    this.known = true;
  }

  async #fetch(): Promise<User | null> {
    const result = await client.query(MeQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    if (result.error) {
      const error = toAppError(result.error);
      // An expired or revoked session is simply "not logged in".
      if (error.code !== 'UNAUTHENTICATED') throw error;
      this.clear();
      return null;
    }
    const me = result.data?.me ?? null;
    if (me) this.set(me);
    else this.clear();
    return me;
  }
}

export const auth = new AuthManager();
