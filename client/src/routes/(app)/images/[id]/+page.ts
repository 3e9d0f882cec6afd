import { error, redirect } from '@sveltejs/kit';
import { toAppError } from '#lib/errors.ts';
import { client } from '#lib/graphql/client.ts';
import { AlbumsQuery, ImageQuery } from '#lib/graphql/documents.ts';
import { loginPath } from '#lib/navigation.ts';
import { auth } from '#lib/state/auth-manager.svelte.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params }) => {
  // The albums are for "Add to album"; without them the photo still shows.
  const [result, albumsResult] = await Promise.all([
    client.query(ImageQuery, { id: params.id }, { requestPolicy: 'network-only' }).toPromise(),
    client.query(AlbumsQuery, {}, { requestPolicy: 'network-only' }).toPromise(),
  ]);
  const albums = albumsResult.data?.albums ?? [];
  if (result.error) {
    const appError = toAppError(result.error);
    if (appError.code === 'UNAUTHENTICATED') {
      auth.clear();
      redirect(307, loginPath(`/images/${encodeURIComponent(params.id)}`));
    }
    // A malformed id is as missing as an unknown one.
    if (appError.code === 'NOT_FOUND' || appError.code === 'BAD_USER_INPUT') return { image: null, albums };
    error(appError.code === 'NETWORK_ERROR' || appError.code === 'SERVER_BUSY' ? 503 : 500, {
      message: appError.message,
      code: appError.code,
    });
  }
  return { image: result.data?.image ?? null, albums };
};
