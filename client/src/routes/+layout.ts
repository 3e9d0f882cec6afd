import { serverConfig } from '#lib/state/server-config.svelte.ts';
import type { LayoutLoad } from './$types';

// A single-page app: everything renders in the browser, where the session cookie is; the server
// serves build/index.html for every page path.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';

/**
 * The server's limits and policies, for every page (the password rules, the upload limit). Runs
 * alongside the other layouts' loads, and never fails: the defaults stand in without an answer.
 */
export const load: LayoutLoad = async () => {
  await serverConfig.ensure();
};
