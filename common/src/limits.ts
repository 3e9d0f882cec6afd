/** Limits both sides know. Where the server's is configurable, this is its default and the client's stand-in until serverConfig answers. */

/** Largest accepted upload in bytes, inclusive (the server's MAX_UPLOAD_BYTES by default). */
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** Longest text in a gallery search field (file name, camera). */
export const SEARCH_TEXT_MAX = 200;

/** Longest API token name, in UTF-16 units (as the server's length check counts). */
export const API_TOKEN_NAME_MAX = 100;

/** Most image ids one bulk request (trash, restore, add to or remove from an album) may name. */
export const MAX_BULK_IDS = 500;

/** Longest album name, in characters (code points), after trimming. */
export const ALBUM_NAME_MAX = 100;
