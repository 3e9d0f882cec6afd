/**
 * Tokens from e-mail links. They travel in the URL fragment (#token=…), which browsers never
 * send to a server, never put in a Referer header, and which this app removes from the address
 * bar as soon as it has read it.
 */

/** base64url, as the server makes them (32 random bytes → 43 characters), with some slack. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

/** The token from "#token=…", or null when it is missing or cannot be one. */
export function tokenFromFragment(hash: string): string | null {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!fragment || fragment.length > 1024) return null;
  const token = new URLSearchParams(fragment).get('token')?.trim() ?? '';
  return TOKEN_SHAPE.test(token) ? token : null;
}

/** The same address without its fragment, for history.replaceState. */
export function withoutFragment(url: Pick<URL, 'pathname' | 'search'>): string {
  return `${url.pathname}${url.search}`;
}
