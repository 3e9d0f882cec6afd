import { goto } from '$app/navigation';
import { AppError, toAppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import {
  LoginMutation,
  LoginWithPasskeyMutation,
  PasskeyLoginOptionsMutation,
  LogoutMutation,
  RegisterMutation,
  type LoginInput,
  type RegisterInput,
  type User,
} from '../graphql/documents.ts';
import type { JsonValue } from '../graphql/graphql.ts';
import { auth } from '../state/auth-manager.svelte.ts';
import { toasts } from '../state/toast.svelte.ts';
import { handleError } from './handle-error.ts';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AppError };

export async function register(input: RegisterInput): Promise<Outcome<User>> {
  const result = await client.mutation(RegisterMutation, { input }).toPromise();
  const user = result.data?.register;
  if (result.error || !user) {
    return { ok: false, error: handleError(result.error, { context: 'Could not create your account', sessionExpiry: false }) };
  }
  toasts.clear();
  toasts.success(`Account created for ${user.username}. You can log in now.`);
  return { ok: true, value: user };
}

export async function login(input: LoginInput): Promise<Outcome<User>> {
  const result = await client.mutation(LoginMutation, { input }).toPromise();
  const user = result.data?.login.user;
  if (result.error || !user) {
    // Not a failure to toast: the form asks for the second factor in place.
    if (toAppError(result.error).code === 'MFA_REQUIRED') return { ok: false, error: toAppError(result.error) };
    // Here UNAUTHENTICATED means wrong credentials, not an ended session.
    return { ok: false, error: handleError(result.error, { context: 'Could not log in', sessionExpiry: false }) };
  }
  auth.set(user);
  // Earlier messages ("Could not log in…") are about a form that is now behind us.
  toasts.clear();
  toasts.success(`Welcome, ${user.username}.`);
  return { ok: true, value: user };
}

/** Signs in with any passkey of this site on this device (the device asks for its screen lock). */
export async function loginWithPasskey(): Promise<Outcome<User>> {
  const context = { context: 'Could not sign in with a passkey', sessionExpiry: false };
  const options = await client.mutation(PasskeyLoginOptionsMutation, { username: null }).toPromise();
  if (!options.data || options.error) return { ok: false, error: handleError(options.error, context) };
  let response: JsonValue;
  try {
    const optionsJSON = options.data.passkeyLoginOptions as unknown as PublicKeyCredentialRequestOptionsJSON;
    response = (await startAuthentication({ optionsJSON })) as unknown as JsonValue;
  } catch {
    return { ok: false, error: handleError(new AppError('BAD_USER_INPUT', 'The browser did not use a passkey (cancelled, or none for this site).'), context) };
  }
  const result = await client.mutation(LoginWithPasskeyMutation, { response }).toPromise();
  const user = result.data?.loginWithPasskey.user;
  if (result.error || !user) return { ok: false, error: handleError(result.error, context) };
  auth.set(user);
  toasts.clear();
  toasts.success(`Welcome, ${user.username}.`);
  return { ok: true, value: user };
}

/** Ends the session on the server first; only then does this tab forget it. */
export async function logout(): Promise<boolean> {
  const result = await client.mutation(LogoutMutation, {}).toPromise();
  if (result.error) {
    // Already gone on the server is as good as logged out; anything else: stay, and say why.
    const error = toAppError(result.error);
    if (error.code !== 'UNAUTHENTICATED') {
      handleError(error, { context: 'Could not log out', sessionExpiry: false });
      return false;
    }
  }
  auth.clear();
  toasts.success('You have logged out.');
  await goto('/login', { replace: true, refreshAll: true });
  return true;
}
