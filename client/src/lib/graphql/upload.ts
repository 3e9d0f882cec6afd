import { GRAPHQL_ENDPOINT } from '../config.ts';
import { AppError, fromGraphQLErrors, fromHttpStatus, type GraphQLErrorLike } from '../errors.ts';
import { UPLOAD_IMAGE_MUTATION, type UploadedImage } from './documents.ts';

/**
 * One file, one request, per the GraphQL multipart request spec
 * (https://github.com/jaydenseric/graphql-multipart-request-spec): the `operations` field with
 * a null placeholder for the file, the `map` field pointing file field "0" at it, then the file.
 * XMLHttpRequest rather than fetch, because only XHR reports upload progress.
 */

/** The file's form field name and where it goes in the operation. */
const FILE_FIELD = '0';
const FILE_PATH = 'variables.file';

export function buildUploadBody(file: Blob, filename: string, query: string = UPLOAD_IMAGE_MUTATION): FormData {
  const body = new FormData();
  // Order matters to streaming servers: operations, then map, then the files.
  body.append('operations', JSON.stringify({ query, variables: { file: null } }));
  body.append('map', JSON.stringify({ [FILE_FIELD]: [FILE_PATH] }));
  body.append(FILE_FIELD, file, filename);
  return body;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads the server's answer: the uploaded image, or an AppError saying why not. */
export function parseUploadResponse(status: number, responseText: string): UploadedImage {
  if (status === 0) throw new AppError('NETWORK_ERROR');
  let body: unknown;
  try {
    body = JSON.parse(responseText);
  } catch {
    // Not JSON: a proxy's error page, or a body limit hit before the GraphQL server saw it.
    throw fromHttpStatus(status >= 200 && status < 300 ? 500 : status);
  }
  if (isRecord(body)) {
    if (Array.isArray(body.errors) && body.errors.length > 0) {
      throw fromGraphQLErrors(body.errors.filter(isRecord) as GraphQLErrorLike[]);
    }
    const data = body.data;
    if (isRecord(data) && isRecord(data.uploadImage)) return data.uploadImage as unknown as UploadedImage;
  }
  throw fromHttpStatus(status >= 200 && status < 300 ? 500 : status);
}

export interface UploadCallbacks {
  /** Fraction of the file sent, 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** Every byte is sent; the server is now checking and storing the image. */
  onSent?: () => void;
  signal?: AbortSignal;
}

/** The parts of XMLHttpRequest the upload uses, so tests can stand in for it. */
export type XhrLike = Pick<
  XMLHttpRequest,
  'open' | 'setRequestHeader' | 'send' | 'abort' | 'status' | 'responseText' | 'upload' | 'onload' | 'onerror' | 'ontimeout' | 'onabort' | 'timeout'
>;

const UPLOAD_TIMEOUT_MS = 5 * 60 * 1000;

export function sendUpload(
  file: File,
  { onProgress, onSent, signal }: UploadCallbacks = {},
  createXhr: () => XhrLike = () => new XMLHttpRequest(),
): Promise<UploadedImage> {
  return new Promise<UploadedImage>((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError('UNKNOWN', 'Upload cancelled.'));
    const xhr = createXhr();
    xhr.open('POST', GRAPHQL_ENDPOINT);
    xhr.timeout = UPLOAD_TIMEOUT_MS;
    // The server refuses multipart requests without it: a browser cannot send this header
    // cross-site without a CORS preflight, which the server never grants (CSRF protection).
    xhr.setRequestHeader('Apollo-Require-Preflight', 'true');
    xhr.setRequestHeader('Accept', 'application/json');

    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(Math.min(1, event.loaded / event.total));
    };
    xhr.upload.onload = () => {
      onProgress?.(1);
      onSent?.();
    };
    xhr.onload = () => {
      try {
        resolve(parseUploadResponse(xhr.status, xhr.responseText));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () => reject(new AppError('NETWORK_ERROR'));
    xhr.ontimeout = () => reject(new AppError('NETWORK_ERROR', 'The upload took too long and was stopped. Please try again.'));
    xhr.onabort = () => reject(new AppError('UNKNOWN', 'Upload cancelled.'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });

    xhr.send(buildUploadBody(file, file.name));
  });
}
