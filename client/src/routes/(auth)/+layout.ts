import { redirect } from '@sveltejs/kit';
import { safeNext } from '#lib/navigation.ts';
import { auth } from '#lib/state/auth-manager.svelte.ts';
import type { LayoutLoad } from './$types';

/**
 * The pages only for people who are not logged in. The e-mail link pages (verify, reset) and
 * "forgot password" work either way: a link may be opened in a browser that is logged in.
 */
const GUEST_ONLY = new Set(['/(auth)/login', '/(auth)/register']);

/** Already logged in? The login and register pages have nothing to offer; go where you were headed. */
export const load: LayoutLoad = async ({ url, route }) => {
  if (!GUEST_ONLY.has(route.id ?? '')) return;
  let user = null;
  try {
    user = await auth.ensure();
  } catch {
    // The server cannot be reached: show the form anyway; submitting it will say what is wrong.
  }
  if (user) redirect(307, safeNext(url.searchParams.get('next')));
};
