/** Client-side limits and knobs. The server is authoritative; these only spare people a round trip. */

/**
 * Largest upload the server accepts by default (MAX_UPLOAD_BYTES), inclusive. Only a fallback:
 * the server's own limit comes from serverConfig (state/server-config.svelte.ts).
 */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** Formats the server accepts; it decides from the file's bytes, we only pre-check name and type. */
export const ACCEPTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
export const ACCEPTED_EXTENSIONS = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.gif', '.webp'] as const;

/** For <input accept>. */
export const ACCEPT_ATTRIBUTE = ACCEPTED_IMAGE_TYPES.join(',');

/** Files uploaded at the same time. */
export const UPLOAD_CONCURRENCY = 2;

/** Gallery page size. */
export const GALLERY_PAGE_SIZE = 24;

export const GRAPHQL_ENDPOINT = '/graphql';
