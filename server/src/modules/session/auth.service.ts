import type { EntityManager } from '@mikro-orm/core';
import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { GraphQLContext } from '../../graphql/context.js';
import type { AuditOrigin, AuditService } from '../audit/audit.service.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import { looksLikeApiToken, type ApiTokenService } from '../token/api-token.service.js';
import type { AccountService } from '../user/account.service.js';
import type { User } from '../user/user.entity.js';
import type { RegisterData, UserService } from '../user/user.service.js';
import { requireViewer, type SessionService, type Viewer } from './session.service.js';

export interface CookiePolicy {
  /** Secure cookies (and the __Host- prefix) when the public URL is https. */
  secure: boolean;
  maxAgeMs: number;
}

/** Register, log in (rate-limited), log out, and find the viewer of a request from its bearer token or cookie. */
export class AuthService {
  readonly cookieName: string;

  constructor(
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly apiTokens: ApiTokenService,
    private readonly accounts: AccountService,
    private readonly limits: RateLimitService,
    private readonly audit: AuditService,
    private readonly cookies: CookiePolicy,
  ) {
    this.cookieName = cookies.secure ? '__Host-lockframe_session' : 'lockframe_session';
  }

  async register(ctx: GraphQLContext, input: RegisterData): Promise<User> {
    // Every attempt counts, good or bad; reserved first so parallel requests can't overrun the limit.
    await this.limits.reserve(ctx.em, [[`register:ip:${ctx.req.ip}`, this.limits.rules.register]]);
    const { user, existing } = await this.users.register(ctx.em, input);
    // A taken e-mail address gets the same answer as a new one; its owner is told by mail instead.
    const mail = existing ? this.accounts.sendAlreadyRegistered(existing) : this.accounts.sendVerification(ctx.em, user);
    if (!existing) await this.audit.record(ctx.em, ctx.origin, 'register', user.id);
    await mail.catch((error: unknown) => {
      ctx.log.error({ err: error }, 'could not send the registration mail');
    });
    return user;
  }

  /**
   * Every executed login field passes here, so aliases and repeated fields each count. Throttled
   * attempts never reach argon2: they test no password.
   */
  async login(ctx: GraphQLContext, input: { username: string; password: string }): Promise<{ user: User; token: string }> {
    const { origin } = ctx;
    const login = input.username.trim().toLowerCase().slice(0, 254);
    const known = await this.users.findByLogin(ctx.em, login);
    const accountKey = `login:acct:${known ? known.id : `unknown:${login}`}`;
    const ipKey = `login:ip:${ctx.req.ip}`;
    // The attempt is counted as a failure before the password is checked, so parallel requests
    // can't all pass the limit check at once; a good password withdraws it.
    let attempt: { release(): Promise<void> };
    try {
      attempt = await this.limits.reserve(ctx.em, [
        [accountKey, this.limits.rules.loginAccount],
        [ipKey, this.limits.rules.loginIp],
      ]);
    } catch (error) {
      await this.audit.record(ctx.em, origin, 'login.throttled', known?.id ?? null);
      throw error;
    }
    let user: User;
    try {
      user = await this.users.verifyCredentials(known, input.password);
    } catch (error) {
      await this.audit.record(ctx.em, origin, 'login.failure', known?.id ?? null);
      const state = await this.limits.state(ctx.em, accountKey, this.limits.rules.loginAccount);
      if (state.count === this.limits.rules.loginAccount.lockAfter) {
        await this.audit.record(ctx.em, origin, 'lockout', known?.id ?? null, { retryAfterSeconds: state.retryAfterSeconds });
      }
      throw error;
    }
    await attempt.release();
    await this.limits.clear(ctx.em, accountKey);
    const { token } = await this.sessions.create(ctx.em, user, { userAgent: origin.userAgent, ip: origin.ip });
    this.setCookie(ctx.res, token);
    await this.audit.record(ctx.em, origin, 'login.success', user.id);
    return { user, token };
  }

  /** Ends what authenticated this request: the session, or the API token used as bearer. */
  async logout(ctx: GraphQLContext): Promise<boolean> {
    const viewer = requireViewer(ctx.viewer);
    if (viewer.session) await this.sessions.revoke(ctx.em, viewer.session);
    if (viewer.apiToken) await this.apiTokens.revoke(ctx.em, viewer.user, viewer.apiToken.id);
    ctx.res.clearCookie(this.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.cookies.secure });
    await this.audit.record(ctx.em, ctx.origin, 'logout', viewer.user.id);
    return true;
  }

  /** A bearer header wins over the cookie; tokens in URLs are never read. */
  async authenticate(em: EntityManager, req: Request, origin: AuditOrigin): Promise<Viewer | null> {
    const token = this.tokenOf(req);
    if (!token) return null;
    if (looksLikeApiToken(token)) {
      const found = await this.apiTokens.resolve(em, token);
      if (!found) return null;
      const apiToken = found.token;
      if (found.touched) await this.audit.record(em, origin, 'token.use', apiToken.user.id, { tokenId: apiToken.id });
      return { user: apiToken.user.getEntity(), session: null, apiToken };
    }
    return this.sessions.resolve(em, token);
  }

  private tokenOf(req: Request): string | null {
    const header = req.get('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return match ? match[1]! : null;
    }
    const raw = req.get('cookie');
    if (!raw) return null;
    return parseCookie(raw)[this.cookieName] ?? null;
  }

  private setCookie(res: Response, token: string): void {
    res.cookie(this.cookieName, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.cookies.secure,
      maxAge: this.cookies.maxAgeMs,
    });
  }
}
