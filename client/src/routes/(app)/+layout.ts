import { error, redirect } from '@sveltejs/kit';
import { toAppError } from '#lib/errors.ts';
import { loginPath } from '#lib/navigation.ts';
import { auth } from '#lib/state/auth-manager.svelte.ts';
import type { LayoutLoad } from './$types';

/** The guard: every page in (app) needs a logged-in user; otherwise, log in and come back here. */
export const load: LayoutLoad = async ({ url }) => {
  let user;
  try {
    user = await auth.ensure();
  } catch (cause) {
    const appError = toAppError(cause);
    error(503, { message: appError.message, code: appError.code });
  }
  if (!user) redirect(307, loginPath(`${url.pathname}${url.search}`));
  return { user };
};
