import { AppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import {
  AddToAlbumMutation,
  CreateAlbumMutation,
  DeleteAlbumMutation,
  RenameAlbumMutation,
  type Album,
} from '../graphql/documents.ts';
import { toasts } from '../state/toast.svelte.ts';
import { handleError } from './handle-error.ts';
import type { Outcome } from './auth.service.ts';

type Named = Pick<Album, 'id' | 'name'>;

const failed = (error: AppError): { ok: false; error: AppError } => ({ ok: false, error });

export async function createAlbum(name: string): Promise<Outcome<Album>> {
  const result = await client.mutation(CreateAlbumMutation, { name }).toPromise();
  const album = result.data?.createAlbum;
  if (result.error || !album) return failed(handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not create the album' }));
  toasts.success(`Created the album “${album.name}”.`);
  return { ok: true, value: album };
}

export async function renameAlbum(album: Named, name: string): Promise<Outcome<Album>> {
  const result = await client.mutation(RenameAlbumMutation, { id: album.id, name }).toPromise();
  const renamed = result.data?.renameAlbum;
  if (result.error || !renamed) return failed(handleError(result.error ?? new AppError('UNKNOWN'), { context: `Could not rename “${album.name}”` }));
  toasts.success(`Renamed the album to “${renamed.name}”.`);
  return { ok: true, value: renamed };
}

/** Deletes the album only; its photos stay in the gallery. */
export async function deleteAlbum(album: Named): Promise<boolean> {
  const result = await client.mutation(DeleteAlbumMutation, { id: album.id }).toPromise();
  if (result.error || result.data?.deleteAlbum !== true) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: `Could not delete the album “${album.name}”` });
    return false;
  }
  toasts.success(`Deleted the album “${album.name}”. Its photos are still in your gallery.`);
  return true;
}

export async function addToAlbum(image: { id: string; filename: string }, album: Named): Promise<Album | null> {
  const result = await client.mutation(AddToAlbumMutation, { imageIds: [image.id], albumId: album.id }).toPromise();
  const updated = result.data?.addToAlbum;
  if (result.error || !updated) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: `Could not add “${image.filename}” to “${album.name}”` });
    return null;
  }
  toasts.success(`Added “${image.filename}” to “${updated.name}”.`);
  return updated;
}
