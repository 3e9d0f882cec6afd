import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { AppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import {
  BeginTotpSetupMutation,
  DeletePasskeyMutation,
  DisableTotpMutation,
  EnableTotpMutation,
  PasskeyRegistrationOptionsMutation,
  RegenerateRecoveryCodesMutation,
  RegisterPasskeyMutation,
  type Passkey,
  type TotpSetup,
} from '../graphql/documents.ts';
import type { JsonValue } from '../graphql/graphql.ts';
import { toasts } from '../state/toast.svelte.ts';
import type { Outcome } from './auth.service.ts';
import { handleError } from './handle-error.ts';

/** Two-factor sign-in and passkeys of the signed-in account. Each call → toast → handled error. */

const failed = (error: unknown, context: string): { ok: false; error: AppError } => ({
  ok: false,
  error: handleError(error ?? new AppError('UNKNOWN'), { context }),
});

export async function beginTotpSetup(): Promise<Outcome<TotpSetup>> {
  const result = await client.mutation(BeginTotpSetupMutation, {}).toPromise();
  const setup = result.data?.beginTotpSetup;
  return setup && !result.error ? { ok: true, value: setup } : failed(result.error, 'Could not start the setup');
}

/** The recovery codes, to show once. */
export async function enableTotp(code: string): Promise<Outcome<string[]>> {
  const result = await client.mutation(EnableTotpMutation, { code }).toPromise();
  const codes = result.data?.enableTotp;
  if (!codes || result.error) return failed(result.error, 'Could not turn on two-factor sign-in');
  toasts.success('Two-factor sign-in is on.');
  return { ok: true, value: codes };
}

export async function disableTotp(password: string, otp: string): Promise<Outcome<true>> {
  const result = await client.mutation(DisableTotpMutation, { password, otp }).toPromise();
  if (result.data?.disableTotp !== true || result.error) return failed(result.error, 'Could not turn off two-factor sign-in');
  toasts.success('Two-factor sign-in is off.');
  return { ok: true, value: true };
}

export async function regenerateRecoveryCodes(otp: string): Promise<Outcome<string[]>> {
  const result = await client.mutation(RegenerateRecoveryCodesMutation, { otp }).toPromise();
  const codes = result.data?.regenerateRecoveryCodes;
  if (!codes || result.error) return failed(result.error, 'Could not make new recovery codes');
  toasts.success('New recovery codes made: the old ones no longer work.');
  return { ok: true, value: codes };
}

/** Asks the browser to create a passkey (the device asks for its PIN or biometric), then registers it. */
export async function addPasskey(name: string): Promise<Outcome<Pick<Passkey, 'id' | 'name'>>> {
  const options = await client.mutation(PasskeyRegistrationOptionsMutation, {}).toPromise();
  if (!options.data || options.error) return failed(options.error, 'Could not add a passkey');
  let response: JsonValue;
  try {
    // The server's JSON is WebAuthn's creation options; the browser's answer is plain JSON again.
    const optionsJSON = options.data.passkeyRegistrationOptions as unknown as PublicKeyCredentialCreationOptionsJSON;
    response = (await startRegistration({ optionsJSON })) as unknown as JsonValue;
  } catch {
    // Cancelled, timed out, or no authenticator: the browser said no, nothing was stored.
    return failed(new AppError('BAD_USER_INPUT', 'The browser did not create a passkey (cancelled, or no authenticator available).'), 'Could not add a passkey');
  }
  const result = await client.mutation(RegisterPasskeyMutation, { response, name }).toPromise();
  const passkey = result.data?.registerPasskey;
  if (!passkey || result.error) return failed(result.error, 'Could not add a passkey');
  toasts.success(`Passkey “${passkey.name}” added.`);
  return { ok: true, value: passkey };
}

export async function deletePasskey(passkey: Pick<Passkey, 'id' | 'name'>): Promise<boolean> {
  const result = await client.mutation(DeletePasskeyMutation, { id: passkey.id }).toPromise();
  if (result.data?.deletePasskey !== true || result.error) {
    failed(result.error, `Could not remove “${passkey.name}”`);
    return false;
  }
  toasts.success(`Passkey “${passkey.name}” removed.`);
  return true;
}
