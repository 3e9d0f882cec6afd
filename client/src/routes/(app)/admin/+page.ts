import { error, redirect } from '@sveltejs/kit';
import { toAppError } from '#lib/errors.ts';
import { client } from '#lib/graphql/client.ts';
import { AdminActionsQuery, AdminUsersQuery } from '#lib/graphql/documents.ts';
import type { PageLoad } from './$types';

const PAGE = 25;

/** Only admins get data here; everyone else is told plainly (403), strangers go to the login. */
export const load: PageLoad = async ({ url, depends }) => {
  depends('app:admin-users');
  const search = url.searchParams.get('q')?.trim() || null;
  const after = url.searchParams.get('after') || null;
  const [result, actions] = await Promise.all([
    client.query(AdminUsersQuery, { first: PAGE, after, search }, { requestPolicy: 'network-only' }).toPromise(),
    client.query(AdminActionsQuery, { first: 20 }, { requestPolicy: 'network-only' }).toPromise(),
  ]);
  if (result.error || !result.data) {
    const appError = toAppError(result.error);
    if (appError.code === 'UNAUTHENTICATED') redirect(307, `/login?next=${encodeURIComponent('/admin')}`);
    error(appError.code === 'FORBIDDEN' ? 403 : 500, { message: appError.message, code: appError.code });
  }
  return { search, after, users: result.data.adminUsers, actions: actions.data?.adminActions ?? [] };
};
