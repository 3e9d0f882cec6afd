import { AppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import {
  ChangeEmailMutation,
  ChangePasswordMutation,
  ConfirmEmailChangeMutation,
  CreateApiTokenMutation,
  DeleteAccountMutation,
  RequestPasswordResetMutation,
  ResendVerificationEmailMutation,
  ResetPasswordMutation,
  RevokeApiTokenMutation,
  RevokeOtherSessionsMutation,
  RevokeSessionMutation,
  VerifyEmailMutation,
  type ApiToken,
  type ChangePasswordInput,
  type CreateApiTokenInput,
  type CreatedApiToken,
  type ResetPasswordInput,
  type User,
} from '../graphql/documents.ts';
import { pluralize } from '../format.ts';
import { auth } from '../state/auth-manager.svelte.ts';
import { toasts } from '../state/toast.svelte.ts';
import type { Outcome } from './auth.service.ts';
import { handleError } from './handle-error.ts';

/** Account security: password, e-mail links, sessions and API tokens. Each call → toast → handled error. */

const failed = (error: AppError): { ok: false; error: AppError } => ({ ok: false, error });

export async function changePassword(input: ChangePasswordInput): Promise<Outcome<true>> {
  const result = await client.mutation(ChangePasswordMutation, { input }).toPromise();
  if (result.error || result.data?.changePassword !== true) {
    return failed(handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not change your password' }));
  }
  toasts.success(input.endOtherSessions ? 'Your password has been changed, and your other sessions were logged out.' : 'Your password has been changed.');
  return { ok: true, value: true };
}

/** Always the same answer, whether or not the address has an account; only transport problems and rate limits fail. */
export async function requestPasswordReset(email: string): Promise<Outcome<true>> {
  const result = await client.mutation(RequestPasswordResetMutation, { email }).toPromise();
  if (result.error || result.data?.requestPasswordReset !== true) {
    return failed(handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not send the link', sessionExpiry: false }));
  }
  return { ok: true, value: true };
}

/** The page says in place what went wrong (a used link is not a toast's job). */
export async function resetPassword(input: ResetPasswordInput): Promise<Outcome<true>> {
  const result = await client.mutation(ResetPasswordMutation, { input }).toPromise();
  if (result.error || result.data?.resetPassword !== true) {
    return failed(handleError(result.error ?? new AppError('UNKNOWN'), { sessionExpiry: false, silent: true }));
  }
  // The server ended every session of the account, this browser's included.
  auth.clear();
  toasts.clear();
  toasts.success('Your password has been reset. Log in with your new password.');
  return { ok: true, value: true };
}

export async function verifyEmail(token: string): Promise<Outcome<User>> {
  const result = await client.mutation(VerifyEmailMutation, { token }).toPromise();
  const user = result.data?.verifyEmail;
  if (result.error || !user) {
    return failed(handleError(result.error ?? new AppError('UNKNOWN'), { sessionExpiry: false, silent: true }));
  }
  // The link may be opened in a tab where the same person is logged in: the banner goes away.
  if (auth.user?.id === user.id) auth.setEmailVerified(true);
  return { ok: true, value: user };
}

/** Asks for the change; the address switches only once the link mailed to the new address is opened. */
export async function changeEmail(newEmail: string, password: string): Promise<Outcome<true>> {
  const result = await client.mutation(ChangeEmailMutation, { newEmail, password }).toPromise();
  if (result.error || result.data?.changeEmail !== true) {
    return failed(handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not change your e-mail address' }));
  }
  toasts.success(`We sent a link to ${newEmail}. Your address changes once you open it.`);
  return { ok: true, value: true };
}

/** Deletes the account and everything in it; the caller leaves the app afterwards. */
export async function deleteAccount(password: string): Promise<Outcome<true>> {
  const result = await client.mutation(DeleteAccountMutation, { password }).toPromise();
  if (result.error || result.data?.deleteAccount !== true) {
    return failed(handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not delete your account' }));
  }
  auth.clear();
  return { ok: true, value: true };
}

/** The new address, once the link from it is opened; BAD_USER_INPUT for a dead link. */
export async function confirmEmailChange(token: string): Promise<Outcome<string>> {
  const result = await client.mutation(ConfirmEmailChangeMutation, { token }).toPromise();
  const changed = result.data?.confirmEmailChange;
  if (result.error || !changed) return failed(handleError(result.error ?? new AppError('UNKNOWN'), { sessionExpiry: false, silent: true }));
  return { ok: true, value: changed.email };
}

export async function resendVerificationEmail(): Promise<boolean> {
  const result = await client.mutation(ResendVerificationEmailMutation, {}).toPromise();
  if (result.error || result.data?.resendVerificationEmail !== true) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not send the link' });
    return false;
  }
  const address = auth.user?.email;
  toasts.success(address ? `We’ve sent a new link to ${address}. It works for 24 hours.` : 'We’ve sent a new link. It works for 24 hours.');
  return true;
}

export async function revokeSession(session: { id: string }, device: string): Promise<boolean> {
  const result = await client.mutation(RevokeSessionMutation, { id: session.id }).toPromise();
  if (result.error || result.data?.revokeSession !== true) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: `Could not log out ${device}` });
    return false;
  }
  toasts.success(`Logged out ${device}.`);
  return true;
}

export async function revokeOtherSessions(): Promise<number | null> {
  const result = await client.mutation(RevokeOtherSessionsMutation, {}).toPromise();
  const ended = result.data?.revokeOtherSessions;
  if (result.error || typeof ended !== 'number') {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not log out your other sessions' });
    return null;
  }
  toasts.success(ended === 0 ? 'There were no other sessions to log out.' : `Logged out ${pluralize(ended, 'other session')}.`);
  return ended;
}

export async function createApiToken(input: CreateApiTokenInput): Promise<Outcome<CreatedApiToken>> {
  const result = await client.mutation(CreateApiTokenMutation, { input }).toPromise();
  const created = result.data?.createApiToken;
  if (result.error || !created) {
    return failed(handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not create the token' }));
  }
  toasts.success(`Created the token “${created.token.name}”. Copy it now: it is shown only once.`);
  return { ok: true, value: created };
}

export async function revokeApiToken(token: Pick<ApiToken, 'id' | 'name'>): Promise<boolean> {
  const result = await client.mutation(RevokeApiTokenMutation, { id: token.id }).toPromise();
  if (result.error || result.data?.revokeApiToken !== true) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: `Could not revoke “${token.name}”` });
    return false;
  }
  toasts.success(`Revoked “${token.name}”. It no longer works.`);
  return true;
}
