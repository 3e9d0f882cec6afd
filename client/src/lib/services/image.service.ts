import { AppError, toAppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import { DeleteImageMutation, type UploadedImage } from '../graphql/documents.ts';
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
  toasts.success(`Deleted “${image.filename}”.`);
  return true;
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
