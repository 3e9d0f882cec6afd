import { parseCookie } from 'cookie';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Orm } from '../db/orm.js';
import { unauthenticated, type AppError } from '../errors.js';
import type { AuthService } from '../modules/session/auth.service.js';
import type { Scope } from '../scope.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Made once per request by `scopeMiddleware`. */
    scope?: Scope;
  }
}

export interface CookiePolicy {
  /** Secure cookies (and the __Host- prefix) when the public URL is https. */
  secure: boolean;
  maxAgeMs: number;
}

/**
 * The HTTP edge of authentication: where a credential is read from a request, where the session
 * cookie is set and cleared, and where each request's scope is made. Services never see a
 * request or a response.
 */
/** Chromium caps a cookie's lifetime at 400 days. */
const DEVICE_COOKIE_MAX_AGE_MS = 400 * 86_400_000;

export class AuthEdge {
  readonly cookieName: string;
  readonly deviceCookieName: string;

  constructor(
    private readonly auth: AuthService,
    private readonly orm: Orm,
    private readonly cookies: CookiePolicy,
  ) {
    this.cookieName = cookies.secure ? '__Host-lockframe_session' : 'lockframe_session';
    this.deviceCookieName = cookies.secure ? '__Host-lockframe_device' : 'lockframe_device';
  }

  /** The device cookie, which outlives sessions and logouts: it says "this browser signed in here before". */
  deviceOf(req: Request): string | null {
    const raw = req.get('cookie');
    return raw ? (parseCookie(raw)[this.deviceCookieName] ?? null) : null;
  }

  rememberDevice(res: Response, token: string): void {
    this.setCookie(res, this.deviceCookieName, token, DEVICE_COOKIE_MAX_AGE_MS);
  }

  /** Both cookies: HttpOnly, SameSite=Lax, whole site, Secure behind https. */
  private setCookie(res: Response, name: string, value: string, maxAge: number): void {
    res.cookie(name, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.cookies.secure, maxAge });
  }

  /** A bearer header wins over the cookie; a malformed header counts as none. Tokens in URLs are never read. */
  credentialOf(req: Request): string | null {
    const header = req.get('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return match ? match[1]! : null;
    }
    const raw = req.get('cookie');
    if (!raw) return null;
    return parseCookie(raw)[this.cookieName] ?? null;
  }

  /** One EntityManager fork and one viewer lookup per request, for GraphQL and the media routes alike. */
  readonly scopeMiddleware: RequestHandler = (req, _res, next) => {
    const anonymous: Scope = {
      viewer: null,
      em: this.orm.em.fork(),
      origin: { ip: req.ip, userAgent: req.get('user-agent') },
      requestId: String(req.id),
      log: req.log,
    };
    const credential = this.credentialOf(req);
    if (!credential) {
      req.scope = anonymous;
      return next();
    }
    this.auth.authenticate(anonymous, credential).then((viewer) => {
      req.scope = { ...anonymous, viewer };
      next();
    }, next);
  };

  /** For plain HTTP routes that need a viewer: 401 with the usual error body, before the route runs. */
  readonly requireSignedIn: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (scopeOf(req).viewer) return next();
    sendPlainError(res, unauthenticated());
  };

  startSession(res: Response, token: string): void {
    this.setCookie(res, this.cookieName, token, this.cookies.maxAgeMs);
  }

  endSession(res: Response): void {
    res.clearCookie(this.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.cookies.secure });
  }
}

/** An AppError as plain HTTP routes answer it (`{ error: { code, message } }`), with Retry-After when it has one. */
export function sendPlainError(res: Response, error: AppError): void {
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
  res.status(error.httpStatus).json({ error: { code: error.code, message: error.message } });
}

/** The request's scope; the scope middleware runs before every route that asks. */
export function scopeOf(req: Request): Scope {
  if (!req.scope) throw new Error('request scope missing: scopeMiddleware did not run');
  return req.scope;
}
