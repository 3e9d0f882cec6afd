import { AlbumsQuery } from '#lib/graphql/documents.ts';
import { loadQuery } from '#lib/graphql/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ depends }) => {
  depends('app:albums');
  const { albums } = await loadQuery(AlbumsQuery, {}, '/albums');
  return { albums };
};
