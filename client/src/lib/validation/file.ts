import { ACCEPTED_FORMATS_TEXT, ACCEPTED_IMAGE_EXTENSIONS, ACCEPTED_IMAGE_TYPES, DEFAULT_MAX_UPLOAD_BYTES } from '@lockframe/common';
import { formatByteCount, formatBytes, formatLimit, limitUnits } from '../format.ts';

/**
 * Upload pre-checks: spare people a round trip for files the server will certainly refuse.
 * The server decides for real from the file's content; a renamed PDF still gets refused there.
 */

/** The parts of a File the checks need, so tests need no real files. */
export interface FileLike {
  name: string;
  size: number;
  type: string;
}

export type FileProblem =
  | { code: 'EMPTY'; message: string }
  | { code: 'FILE_TOO_LARGE'; message: string }
  | { code: 'UNSUPPORTED_MEDIA_TYPE'; message: string };

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/**
 * Type check by declared MIME type and by extension. Either may be missing (some systems
 * send an empty type); a file passes when what is there looks like an allowed image and nothing
 * contradicts it.
 */
export function looksLikeAcceptedImage(file: FileLike): boolean {
  const type = file.type.trim().toLowerCase();
  const ext = extensionOf(file.name);
  const typeOk = ACCEPTED_IMAGE_TYPES.includes(type);
  const extOk = ACCEPTED_IMAGE_EXTENSIONS.includes(ext);
  if (type && !typeOk) return false;
  if (ext && !extOk) return false;
  return typeOk || extOk;
}

/**
 * The first reason not to send this file, or null to send it. `maxBytes` is the server's limit
 * (serverConfig.maxUploadBytes); the built-in default stands in until the server has said.
 */
export function checkFile(file: FileLike, maxBytes = DEFAULT_MAX_UPLOAD_BYTES): FileProblem | null {
  if (!looksLikeAcceptedImage(file)) {
    return { code: 'UNSUPPORTED_MEDIA_TYPE', message: `Not a supported image. Use ${ACCEPTED_FORMATS_TEXT}.` };
  }
  if (file.size === 0) return { code: 'EMPTY', message: 'This file is empty.' };
  if (file.size > maxBytes) {
    // The size in the units the limit is stated in: "2 MB" against "1 MB", not "1.9 MiB".
    const units = limitUnits(maxBytes);
    let size = formatBytes(file.size, units);
    let limit = formatLimit(maxBytes);
    // Just over the limit both round to "5 MiB"; then the exact counts say what is wrong.
    if (size === formatBytes(maxBytes, units)) {
      size = formatByteCount(file.size);
      limit = formatLimit(maxBytes, true);
    }
    return { code: 'FILE_TOO_LARGE', message: `Too large (${size}). The limit is ${limit}.` };
  }
  return null;
}
