import { goto } from '$app/navigation';
import { AppError, toAppError } from '../errors.ts';
import { loginPath } from '../navigation.ts';
import { auth } from '../state/auth-manager.svelte.ts';
import { toasts } from '../state/toast.svelte.ts';

export interface HandleErrorOptions {
  /** What failed, said first: "Could not delete “cat.jpg”". The server's reason follows. */
  context?: string;
  /**
   * Whether UNAUTHENTICATED means "your session ended" (true: clear it and go to the login page).
   * The login form turns it off: there it means "wrong username or password".
   */
  sessionExpiry?: boolean;
  /** Show no toast (the caller shows the message in place), but still handle an ended session. */
  silent?: boolean;
}

export const SESSION_ENDED_MESSAGE = 'Your session has ended. Please log in again.';

/** The one place failures become messages: map → toast → (session ended? back to login). */
export function handleError(error: unknown, { context, sessionExpiry = true, silent = false }: HandleErrorOptions = {}): AppError {
  const appError = toAppError(error);
  if (appError.code === 'UNAUTHENTICATED' && sessionExpiry) {
    endSession();
    return appError;
  }
  if (!silent) toasts.error(context ? `${context}. ${appError.message}` : appError.message);
  return appError;
}

let redirecting = false;

/** The server no longer knows this session: say so once and go to the login page, keeping the way back. */
export function endSession(): void {
  auth.clear();
  if (redirecting) return;
  redirecting = true;
  toasts.error(SESSION_ENDED_MESSAGE);
  const here = `${location.pathname}${location.search}`;
  void goto(loginPath(here), { replace: true, refreshAll: true }).finally(() => {
    redirecting = false;
  });
}
