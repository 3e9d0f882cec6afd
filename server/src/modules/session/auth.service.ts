import type { EntityManager } from '@mikro-orm/core';
import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { GraphQLContext } from '../../graphql/context.js';
import { requireViewer } from '../image/image.service.js';
import type { User } from '../user/user.entity.js';
import type { RegisterData, UserService } from '../user/user.service.js';
import type { SessionService, Viewer } from './session.service.js';

export interface CookiePolicy {
  /** Secure cookies (and the __Host- prefix) when the public URL is https. */
  secure: boolean;
  maxAgeMs: number;
}

/** Register, log in, log out, and find the viewer of a request from its bearer token or cookie. */
export class AuthService {
  readonly cookieName: string;

  constructor(
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly cookies: CookiePolicy,
  ) {
    this.cookieName = cookies.secure ? '__Host-lockframe_session' : 'lockframe_session';
  }

  register(ctx: GraphQLContext, input: RegisterData): Promise<User> {
    return this.users.register(ctx.em, input);
  }

  async login(ctx: GraphQLContext, input: { username: string; password: string }): Promise<{ user: User; token: string }> {
    const user = await this.users.verifyCredentials(ctx.em, input.username, input.password);
    const { token } = await this.sessions.create(ctx.em, user, {
      userAgent: ctx.req.get('user-agent'),
      ip: ctx.req.ip,
    });
    this.setCookie(ctx.res, token);
    ctx.log.info({ event: 'login', userId: user.id }, 'login succeeded');
    return { user, token };
  }

  async logout(ctx: GraphQLContext): Promise<boolean> {
    const viewer = requireViewer(ctx.viewer);
    await this.sessions.revoke(ctx.em, viewer.session);
    ctx.res.clearCookie(this.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.cookies.secure });
    ctx.log.info({ event: 'logout', userId: viewer.user.id }, 'logout');
    return true;
  }

  /** A bearer header wins over the cookie; tokens in URLs are never read. */
  async authenticate(em: EntityManager, req: Request): Promise<Viewer | null> {
    const token = this.tokenOf(req);
    return token ? this.sessions.resolve(em, token) : null;
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
