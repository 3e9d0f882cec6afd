/** Where to go after logging in, without ever becoming an open redirect. */

const AUTH_PAGES = ['/login', '/register'];
const PROBE_ORIGIN = 'http://lockframe.invalid';

/**
 * A same-origin path from an untrusted `next` parameter, or "/" when it is missing, points
 * elsewhere ("//evil.example", "https://…", "/\\evil"), or would loop back to a login page.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  let url: URL;
  try {
    url = new URL(raw, PROBE_ORIGIN);
  } catch {
    return '/';
  }
  if (url.origin !== PROBE_ORIGIN) return '/';
  if (AUTH_PAGES.some((page) => url.pathname === page || url.pathname.startsWith(`${page}/`))) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

/** "/login", or "/login?next=…" to come back to where the person was. */
export function loginPath(next?: string): string {
  const target = next ? safeNext(next) : '/';
  return target === '/' ? '/login' : `/login?next=${encodeURIComponent(target)}`;
}
