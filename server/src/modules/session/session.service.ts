import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Scope, Viewer } from '../../scope.js';
import { SessionRepository, type SessionRecord } from './session.repository.js';

export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
}

/** How often lastSeenAt is written; reading a gallery should not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;
// 256 random bits, base64url: 43 characters.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Sessions one account may hold at once; more logins end the least recently used ones. */
export const MAX_SESSIONS_PER_ACCOUNT = 50;

/** Login sessions: made at login, found by the hash of their token, ended by logout, expiry or revocation. */
export class SessionService {
  constructor(
    private readonly policy: SessionPolicy,
    private readonly sessions = new SessionRepository(),
  ) {}

  /** Starts a session; the token is returned once and only its hash is stored. */
  async create(scope: Scope, userId: string): Promise<{ token: string; session: SessionRecord }> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    const session: SessionRecord = {
      id: randomUUID(),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.policy.maxMs),
      userAgent: scope.origin.userAgent?.slice(0, 255) ?? null,
      ip: scope.origin.ip?.slice(0, 64) ?? null,
    };
    await this.sessions.insert(scope.em, { ...session, tokenHash: hashToken(token) });
    // A login beyond the cap ends the account's least recently used sessions.
    await this.sessions.deleteAllButNewest(scope.em, userId, MAX_SESSIONS_PER_ACCOUNT);
    return { token, session };
  }

  /** The viewer a token belongs to, or null when it is unknown, revoked or expired. */
  async resolve(scope: Scope, token: string): Promise<Viewer | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const found = await this.sessions.findByTokenHash(scope.em, hashToken(token));
    if (!found) return null;
    const { session, user } = found;
    const now = Date.now();
    if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + this.policy.idleMs <= now) {
      await this.sessions.delete(scope.em, session.id);
      return null;
    }
    if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      // Best effort: a full disk or a busy database must not sign anyone out.
      await this.sessions.touch(scope.em, session.id, new Date(now)).catch((error: unknown) => scope.log.warn({ err: error }, 'could not record a session use'));
    }
    return { user, sessionId: session.id, apiTokenId: null };
  }

  revoke(scope: Scope, sessionId: string): Promise<void> {
    return this.sessions.delete(scope.em, sessionId);
  }

  list(scope: Scope, userId: string): Promise<SessionRecord[]> {
    return this.sessions.listLive(scope.em, userId, new Date());
  }

  /** Revokes one of the user's sessions; false when it is not theirs or already gone. */
  revokeById(scope: Scope, userId: string, id: string): Promise<boolean> {
    return this.sessions.deleteOwned(scope.em, userId, String(id).slice(0, 64));
  }

  /** Ends every session of the user except `keep` (all of them when keep is null). */
  revokeAll(scope: Scope, userId: string, keep: string | null = null): Promise<number> {
    return this.sessions.deleteAllOf(scope.em, userId, keep);
  }

  /** Removes expired sessions (a maintenance task). */
  purgeExpired(scope: Scope): Promise<number> {
    return this.sessions.deleteExpired(scope.em, new Date());
  }
}
