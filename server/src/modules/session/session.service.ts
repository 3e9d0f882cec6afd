import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Lookup } from '../../db/lookup.js';
import { unauthenticated } from '../../errors.js';
import type { ApiToken } from '../token/api-token.entity.js';
import type { User } from '../user/user.entity.js';
import { Session } from './session.entity.js';

/** Who is making a request: the user and the credential that proves it (a login session or an API token). */
export interface Viewer {
  user: User;
  session: Session | null;
  apiToken: ApiToken | null;
}

/** The viewer, or UNAUTHENTICATED: the first step of anything that needs a login. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
}

export interface ClientInfo {
  userAgent?: string | undefined;
  ip?: string | undefined;
}

/** How often lastSeenAt is written; reading a gallery should not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;
// 256 random bits, base64url: 43 characters.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SessionService {
  /** Runs for every request that carries a session token. */
  private readonly byTokenHash = new Lookup(Session, ['tokenHash'], 'user');

  constructor(private readonly policy: SessionPolicy) {}

  /** Starts a session; the token is returned once and only its hash is stored. */
  async create(em: EntityManager, user: User, client: ClientInfo): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    const session = em.create(Session, {
      id: randomUUID(),
      user,
      tokenHash: hashToken(token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.policy.maxMs),
      userAgent: client.userAgent?.slice(0, 255) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
    });
    await em.flush();
    return { token, session };
  }

  /** The viewer a token belongs to, or null when it is unknown, revoked or expired. */
  async resolve(em: EntityManager, token: string): Promise<Viewer | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const session = await this.byTokenHash.find(em, [hashToken(token)]);
    if (!session) return null;
    const now = Date.now();
    if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + this.policy.idleMs <= now) {
      await em.nativeDelete(Session, { id: session.id });
      return null;
    }
    if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await em.nativeUpdate(Session, { id: session.id }, { lastSeenAt: new Date(now) });
    }
    return { user: session.user.getEntity(), session, apiToken: null };
  }

  async revoke(em: EntityManager, session: Session): Promise<void> {
    await em.nativeDelete(Session, { id: session.id });
  }

  list(em: EntityManager, userId: string): Promise<Session[]> {
    return em.find(Session, { user: userId, expiresAt: { $gt: new Date() } }, { orderBy: { lastSeenAt: 'desc', id: 'desc' } });
  }

  /** Revokes one of the user's sessions; false when it is not theirs or already gone. */
  async revokeById(em: EntityManager, userId: string, id: string): Promise<boolean> {
    return (await em.nativeDelete(Session, { id: String(id).slice(0, 64), user: userId })) > 0;
  }

  /** Ends every session of the user except `keep` (all of them when keep is null). */
  async revokeAll(em: EntityManager, userId: string, keep: string | null = null): Promise<number> {
    return em.nativeDelete(Session, keep ? { user: userId, id: { $ne: keep } } : { user: userId });
  }

  /** Removes expired sessions; called at start and now and then. */
  async purgeExpired(em: EntityManager): Promise<number> {
    return em.nativeDelete(Session, { expiresAt: { $lte: new Date() } });
  }
}
