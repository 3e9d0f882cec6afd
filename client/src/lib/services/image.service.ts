import { AppError, toAppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import {
  DeleteImageMutation,
  EmptyTrashMutation,
  RestoreImagesMutation,
  SetFavoriteMutation,
  TrashImagesMutation,
  type UploadedImage,
} from '../graphql/documents.ts';
import { sendUpload, type UploadCallbacks } from '../graphql/upload.ts';
import { auth } from '../state/auth-manager.svelte.ts';
import { serverConfig } from '../state/server-config.svelte.ts';
import { toasts } from '../state/toast.svelte.ts';
import { endSession, handleError } from './handle-error.ts';
import type { Outcome } from './auth.service.ts';

export const EMAIL_NOT_VERIFIED_UPLOAD_MESSAGE =
  'Confirm your e-mail address to upload photos: open the link we sent you, or use “Send the link again” at the top of the page.';

export async function deleteImage(image: { id: string; filename: string }): Promise<boolean> {
  const result = await client.mutation(DeleteImageMutation, { id: image.id }).toPromise();
  if (result.error || result.data?.deleteImage !== true) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: `Could not delete “${image.filename}”` });
    return false;
  }
  toasts.success(`Deleted “${image.filename}” for good.`);
  return true;
}

/** Moves a photo to the trash; the toast offers Undo, which brings it back (`onrestored` then runs). */
export async function trashImage(image: { id: string; filename: string }, onrestored?: () => void): Promise<boolean> {
  const result = await client.mutation(TrashImagesMutation, { ids: [image.id] }).toPromise();
  if (result.error || result.data?.trashImages !== 1) {
    handleError(result.error ?? new AppError('NOT_FOUND'), { context: `Could not move “${image.filename}” to the trash` });
    return false;
  }
  toasts.success(`Moved “${image.filename}” to the trash.`, {
    label: 'Undo',
    run: () => {
      void restoreImages([image]).then((restored) => {
        if (restored) onrestored?.();
      });
    },
  });
  return true;
}

/** Takes photos out of the trash; true when every one came back. */
export async function restoreImages(images: readonly { id: string; filename: string }[]): Promise<boolean> {
  const result = await client.mutation(RestoreImagesMutation, { ids: images.map((image) => image.id) }).toPromise();
  const what = images.length === 1 ? `“${images[0]!.filename}”` : `${images.length} photos`;
  if (result.error || result.data?.restoreImages !== images.length) {
    handleError(result.error ?? new AppError('NOT_FOUND'), { context: `Could not restore ${what}` });
    return false;
  }
  toasts.success(`Restored ${what}.`);
  return true;
}

/** Deletes everything in the trash for good; the number deleted, or null on failure. */
export async function emptyTrash(): Promise<number | null> {
  const result = await client.mutation(EmptyTrashMutation, {}).toPromise();
  const count = result.data?.emptyTrash;
  if (result.error || count === undefined) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: 'Could not empty the trash' });
    return null;
  }
  toasts.success(count === 1 ? 'Deleted 1 photo for good.' : `Deleted ${count} photos for good.`);
  return count;
}

/** Marks or unmarks a photo as a favourite; the new value, or null on failure. */
export async function setFavorite(image: { id: string; filename: string }, favorite: boolean): Promise<boolean | null> {
  const result = await client.mutation(SetFavoriteMutation, { id: image.id, favorite }).toPromise();
  const value = result.data?.setFavorite.favorite;
  if (result.error || value === undefined) {
    handleError(result.error ?? new AppError('UNKNOWN'), { context: `Could not change “${image.filename}”` });
    return null;
  }
  return value;
}

/**
 * Uploads one file. No toast per file — the upload list shows each file's result in its row and
 * the queue announces a summary — but an ended session still sends the person to log in.
 */
export async function uploadImage(file: File, callbacks: UploadCallbacks = {}): Promise<Outcome<UploadedImage>> {
  try {
    return { ok: true, value: await sendUpload(file, callbacks) };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'UNAUTHENTICATED') endSession();
    if (appError.code === 'EMAIL_NOT_VERIFIED') {
      // Shows the banner with the "Send the link again" button, should this tab not know yet.
      auth.setEmailVerified(false);
      // The hint points at that banner, which is there only where the server requires a confirmed address.
      if (serverConfig.emailVerificationRequired) {
        return { ok: false, error: new AppError('EMAIL_NOT_VERIFIED', EMAIL_NOT_VERIFIED_UPLOAD_MESSAGE) };
      }
    }
    return { ok: false, error: appError };
  }
}
