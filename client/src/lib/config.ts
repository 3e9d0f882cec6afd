import { ACCEPTED_IMAGE_TYPES } from '@lockframe/common';

/**
 * The client's own knobs. The limits and formats it shares with the server are @lockframe/common's
 * (the upload limit there is only the stand-in until serverConfig answers).
 */

/** For <input accept>. */
export const ACCEPT_ATTRIBUTE = ACCEPTED_IMAGE_TYPES.join(',');

/** Files uploaded at the same time. */
export const UPLOAD_CONCURRENCY = 2;

/** Gallery page size. */
export const GALLERY_PAGE_SIZE = 24;

export const GRAPHQL_ENDPOINT = '/graphql';
