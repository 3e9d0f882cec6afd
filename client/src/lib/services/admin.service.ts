import { AppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import { AdminDeleteUserMutation, AdminSetUserDisabledMutation, AdminSetUserQuotaMutation } from '../graphql/documents.ts';
import { toasts } from '../state/toast.svelte.ts';
import type { Outcome } from './auth.service.ts';
import { handleError } from './handle-error.ts';

/** The admin console's account changes: call → toast → handle error, like every other service. */
async function run(done: Promise<{ error?: unknown; ok: boolean }>, context: string, success: string): Promise<Outcome<true>> {
  const { error, ok } = await done;
  if (error || !ok) return { ok: false, error: handleError(error ?? new AppError('UNKNOWN'), { context }) };
  toasts.success(success);
  return { ok: true, value: true };
}

export function setUserDisabled(id: string, username: string, disabled: boolean): Promise<Outcome<true>> {
  const done = client
    .mutation(AdminSetUserDisabledMutation, { id, disabled })
    .toPromise()
    .then((r) => ({ error: r.error, ok: r.data?.adminSetUserDisabled.disabled === disabled }));
  return run(done, `Could not ${disabled ? 'disable' : 'enable'} ${username}`, disabled ? `${username} is disabled and logged out everywhere.` : `${username} is enabled.`);
}

export function setUserQuota(id: string, username: string, quotaBytes: number | null): Promise<Outcome<true>> {
  const done = client
    .mutation(AdminSetUserQuotaMutation, { id, quotaBytes })
    .toPromise()
    .then((r) => ({ error: r.error, ok: !!r.data?.adminSetUserQuota }));
  return run(done, `Could not change the quota of ${username}`, `Quota of ${username} saved.`);
}

export function deleteUser(id: string, username: string): Promise<Outcome<true>> {
  const done = client
    .mutation(AdminDeleteUserMutation, { id })
    .toPromise()
    .then((r) => ({ error: r.error, ok: r.data?.adminDeleteUser === true }));
  return run(done, `Could not delete ${username}`, `${username} and all their photos are deleted.`);
}
