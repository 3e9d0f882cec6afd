import * as argon2 from 'argon2';
import { AppError } from '../../errors.js';
import type { SignedInScope } from '../../scope.js';
import type { RateLimitService } from '../ratelimit/rate-limit.service.js';
import { isTooLongPassword } from '../user/password-policy.js';
import type { UserRepository } from '../user/user.repository.js';

/**
 * Step-up for account changes that a stolen session must not make alone (deleting the account,
 * changing its address): the viewer's password again. Guesses are throttled like logins, on the
 * same per-account key as password changes, counted before checking.
 */
export async function confirmPassword(scope: SignedInScope, password: string, deps: { users: UserRepository; limits: RateLimitService }): Promise<void> {
  const { user } = scope.viewer;
  const attempt = await deps.limits.reserve(scope, [[`password:acct:${user.id}`, deps.limits.rules.loginAccount]]);
  const hash = typeof password === 'string' && !isTooLongPassword(password) ? await deps.users.passwordHashOf(scope.em, user.id) : null;
  const ok = hash !== null && (await argon2.verify(hash, password).catch(() => false));
  if (!ok) throw new AppError('BAD_USER_INPUT', 'Your password is not correct.', { field: 'password' });
  await attempt.release();
}
