import { Client, fetchExchange } from '@urql/svelte';
import { GRAPHQL_ENDPOINT } from '../config.ts';

/**
 * The one GraphQL client. No cache exchange on purpose: everything here is private to the
 * person logged in, changes under us (uploads, deletes, logouts), and is cheap to ask for again,
 * so every operation goes to the server and nothing outlives a logout in memory.
 */
export const client = new Client({
  url: GRAPHQL_ENDPOINT,
  exchanges: [fetchExchange],
  requestPolicy: 'network-only',
  // POST only: the server's CSRF protection refuses simple GET requests.
  preferGetMethod: false,
  // Same origin, so the HttpOnly session cookie rides along; never sent anywhere else.
  fetchOptions: { credentials: 'same-origin' },
});
