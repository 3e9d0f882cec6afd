import { AlbumQuery } from '#lib/graphql/documents.ts';
import { loadQuery } from '#lib/graphql/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, depends }) => {
  depends('app:album');
  const { album } = await loadQuery(AlbumQuery, { id: params.id }, `/albums/${encodeURIComponent(params.id)}`);
  return { album };
};
