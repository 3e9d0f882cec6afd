import { SecurityQuery } from '#lib/graphql/documents.ts';
import { loadQuery } from '#lib/graphql/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ depends }) => {
  depends('app:security');
  const { me, passkeys } = await loadQuery(SecurityQuery, {}, '/settings/security');
  return { mfaEnabled: me?.mfaEnabled ?? false, passkeys };
};
