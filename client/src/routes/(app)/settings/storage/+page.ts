import { StorageQuery } from '#lib/graphql/documents.ts';
import { loadQuery } from '#lib/graphql/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async () => {
  const { me } = await loadQuery(StorageQuery, {}, '/settings/storage');
  return { storageBytes: me?.storageBytes ?? 0, quotaBytes: me?.quotaBytes ?? null };
};
