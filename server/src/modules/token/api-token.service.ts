import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Lookup } from '../../db/lookup.js';
import { badInput, notFound } from '../../errors.js';
import { hashToken } from '../session/session.service.js';
import type { User } from '../user/user.entity.js';
import { ApiToken } from './api-token.entity.js';

/** Recognizable prefix: secret scanners and people can tell a Lockframe token at a glance. */
export const API_TOKEN_PREFIX = 'lfk_';
const API_TOKEN_PATTERN = /^lfk_[A-Za-z0-9_-]{43}$/;
const MAX_TOKENS_PER_USER = 50;
const MAX_EXPIRY_DAYS = 3650;

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}

export class ApiTokenService {
  /** Runs for every request that carries an API token. */
  private readonly byTokenHash = new Lookup(ApiToken, ['tokenHash'], 'user');

  async create(
    em: EntityManager,
    user: User,
    input: { name: string; expiresInDays?: number | null },
  ): Promise<{ token: ApiToken; secret: string }> {
    const name = input.name.trim().replace(/[\p{Cc}\p{Cf}]/gu, '');
    if (name.length < 1 || name.length > 100) throw badInput('Give the token a name of 1 to 100 characters.', 'name');
    const days = input.expiresInDays;
    if (days != null && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS)) {
      throw badInput(`Expiry must be between 1 and ${MAX_EXPIRY_DAYS} days.`, 'expiresInDays');
    }
    if ((await em.count(ApiToken, { user: user.id })) >= MAX_TOKENS_PER_USER) {
      throw badInput(`You can have at most ${MAX_TOKENS_PER_USER} API tokens. Revoke one first.`, 'name');
    }
    const secret = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = new Date();
    const token = em.create(ApiToken, {
      id: randomUUID(),
      user: user.id,
      name,
      prefix: secret.slice(0, 12),
      tokenHash: hashToken(secret),
      createdAt: now,
      lastUsedAt: null,
      expiresAt: days ? new Date(now.getTime() + days * 86_400_000) : null,
    });
    await em.flush();
    return { token, secret };
  }

  list(em: EntityManager, user: User): Promise<ApiToken[]> {
    return em.find(ApiToken, { user: user.id }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async revoke(em: EntityManager, user: User, id: string): Promise<ApiToken> {
    const token = await em.findOne(ApiToken, { id: String(id).slice(0, 64), user: user.id });
    if (!token) throw notFound('API token');
    await em.nativeDelete(ApiToken, { id: token.id });
    return token;
  }

  async revokeAll(em: EntityManager, userId: string): Promise<number> {
    return em.nativeDelete(ApiToken, { user: userId });
  }

  /**
   * The token's row and user, or null when unknown or expired. Records when it was last used, at
   * most once a minute; `touched` says this call did, so the caller can log the use that often.
   */
  async resolve(em: EntityManager, secret: string): Promise<{ token: ApiToken; touched: boolean } | null> {
    if (!API_TOKEN_PATTERN.test(secret)) return null;
    const token = await this.byTokenHash.find(em, [hashToken(secret)]);
    if (!token) return null;
    const now = Date.now();
    if (token.expiresAt && token.expiresAt.getTime() <= now) return null;
    const touched = !token.lastUsedAt || now - token.lastUsedAt.getTime() > 60_000;
    if (touched) {
      token.lastUsedAt = new Date(now);
      await em.nativeUpdate(ApiToken, { id: token.id }, { lastUsedAt: token.lastUsedAt });
    }
    return { token, touched };
  }
}
