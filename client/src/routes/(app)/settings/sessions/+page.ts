import { SessionsQuery } from '#lib/graphql/documents.ts';
import { loadQuery } from '#lib/graphql/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ depends }) => {
  depends('app:sessions');
  const { sessions } = await loadQuery(SessionsQuery, {}, '/settings/sessions');
  // This device first, then the most recently active.
  const sorted = [...sessions].sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt));
  return { sessions: sorted };
};
