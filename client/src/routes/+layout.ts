// A single-page app: everything renders in the browser, where the session cookie is; the server
// serves build/index.html for every page path.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';
