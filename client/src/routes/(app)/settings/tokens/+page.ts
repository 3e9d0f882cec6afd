import { ApiTokensQuery } from '#lib/graphql/documents.ts';
import { loadQuery } from '#lib/graphql/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ depends }) => {
  depends('app:api-tokens');
  const { apiTokens } = await loadQuery(ApiTokensQuery, {}, '/settings/tokens');
  return { tokens: apiTokens };
};
