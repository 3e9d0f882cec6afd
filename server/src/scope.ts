import type { EntityManager } from '@mikro-orm/core';
import { unauthenticated } from './errors.js';
import type { Logger } from './logger.js';

export const ROLES = ['USER', 'ADMIN'] as const;
/** USER is everyone; ADMIN manages accounts (and, like everyone, sees only their own photos). */
export type Role = (typeof ROLES)[number];

/** The account a request acts for, as every service sees it: no password hash, nothing secret. */
export interface Account {
  id: string;
  username: string;
  email: string;
  emailVerified: boolean;
  role: Role;
  createdAt: Date;
}

/** Who is making a request: the account and the credential that proves it (a login session or an API token). */
export interface Viewer {
  user: Account;
  sessionId: string | null;
  apiTokenId: string | null;
}

/** Where a request came from, for security events and throttles. */
export interface Origin {
  ip: string | undefined;
  userAgent: string | undefined;
}

/**
 * The part of a client address that per-address throttles count on: an IPv4 address as it is,
 * an IPv6 address by its /64 (one subscriber usually holds a whole /64, so counting each address
 * would give every one of its 2^64 addresses a fresh budget), an IPv4-mapped IPv6 as its IPv4.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Everything a service needs to know about the request it works for, made once at the edge
 * (GraphQL context, media middleware, a CLI command or a scheduled job) and passed first.
 */
export interface Scope {
  readonly viewer: Viewer | null;
  /** This request's own EntityManager fork: never the global one. */
  readonly em: EntityManager;
  readonly origin: Origin;
  readonly requestId: string;
  readonly log: Logger;
}

/** A scope the edge has already checked is signed in. */
export interface SignedInScope extends Scope {
  readonly viewer: Viewer;
}

function isSignedIn(scope: Scope): scope is SignedInScope {
  return scope.viewer !== null;
}

/** The scope as signed in, or UNAUTHENTICATED: the edge refuses anonymous callers before a service runs. */
export function signedIn(scope: Scope): SignedInScope {
  if (!isSignedIn(scope)) throw unauthenticated();
  return scope;
}

/** A scope for work no request asked for (start-up, scheduled tasks, the command-line tools). */
export function systemScope(em: EntityManager, log: Logger, name: string): Scope {
  return { viewer: null, em, origin: { ip: undefined, userAgent: undefined }, requestId: name, log };
}
