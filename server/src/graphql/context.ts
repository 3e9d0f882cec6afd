import type { EntityManager } from '@mikro-orm/core';
import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { AuditOrigin } from '../modules/audit/audit.service.js';
import type { Viewer } from '../modules/session/session.service.js';

/** Per-request state: its own EntityManager fork and the authenticated viewer (or null). */
export interface RequestContext {
  em: EntityManager;
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  /** Who and where, for security events: address, user agent, request id. */
  origin: AuditOrigin;
}

export interface GraphQLContext extends RequestContext {
  req: Request;
  res: Response;
}
