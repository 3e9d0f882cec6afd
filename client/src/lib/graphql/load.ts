import { error, redirect } from '@sveltejs/kit';
import type { AnyVariables, TypedDocumentNode } from '@urql/core';
import { toAppError } from '../errors.ts';
import { loginPath } from '../navigation.ts';
import { auth } from '../state/auth-manager.svelte.ts';
import { client } from './client.ts';

/**
 * A page's data, fresh from the server, for a `load` function: an ended session goes to the
 * login page (and comes back to `here`); anything else that fails shows the error page.
 */
export async function loadQuery<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  here: string,
): Promise<Data> {
  const result = await client.query(document, variables, { requestPolicy: 'network-only' }).toPromise();
  if (result.error || !result.data) {
    const appError = toAppError(result.error);
    if (appError.code === 'UNAUTHENTICATED') {
      auth.clear();
      redirect(307, loginPath(here));
    }
    error(appError.code === 'NETWORK_ERROR' || appError.code === 'SERVER_BUSY' ? 503 : 500, {
      message: appError.message,
      code: appError.code,
    });
  }
  return result.data;
}
