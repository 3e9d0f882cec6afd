import busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, fileTooLarge, unauthenticated, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { scopeOf } from '../http/auth-edge.js';
import { signedIn, type SignedInScope } from '../scope.js';
import type { ByteBudget } from './upload-budget.js';
import { UploadedFile } from './upload.js';

/**
 * Parses GraphQL multipart requests (the graphql-multipart-request spec) before Apollo sees them,
 * in this order, so that nothing of a request that may not upload is ever read:
 *
 * 1. the CSRF header (a browser can send a multipart form cross-site without a preflight);
 * 2. a signed-in viewer (the scope middleware has authenticated the request from its headers);
 * 3. the declared size, then a reservation of that many bytes from the upload memory budget,
 *    per process and per account (SERVER_BUSY when it is spent), then the upload rate limits
 *    (`admit` counts one upload; RATE_LIMITED), so a busy answer the client retries is not counted;
 * 4. the body, cut when it stalls, with every malformed case answered by a 4xx; a request with
 *    several files has the others counted by `admit` before it goes on.
 *
 * Files are read whole and placed in the operation's variables as UploadedFile values, which
 * only the `Upload` scalar accepts.
 */
export interface MultipartLimits {
  /** Largest file accepted, inclusive. */
  maxFileBytes: number;
  maxFiles: number;
  /** Largest `operations` or `map` field. */
  maxFieldBytes: number;
  /** A body that sends nothing for this long is cut (408). */
  stallMs: number;
}

/** PAYLOAD_TOO_LARGE and BAD_REQUEST are transport answers; the client shows them as FILE_TOO_LARGE and a reload hint. */
type TransportCode = Extract<ErrorCode, 'FILE_TOO_LARGE' | 'SERVER_BUSY' | 'UNAUTHENTICATED' | 'REQUEST_TIMEOUT'> | 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST';

class MultipartError extends Error {
  constructor(
    readonly status: number,
    readonly code: TransportCode,
    message: string,
  ) {
    super(message);
  }
}

const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PATH_SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_]{0,63}|\d{1,4})$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

interface FilePlace {
  operations: Record<string, unknown>;
  path: string;
}

/**
 * Puts `value` at `path` (e.g. "variables.file") where the operation holds a null placeholder;
 * own properties only. With `checkOnly`, just checks that the path leads to such a placeholder.
 */
function placeUpload(operations: Record<string, unknown>, path: string, value: unknown, checkOnly = false): void {
  const bad = () => new MultipartError(400, 'BAD_REQUEST', `Invalid file path "${path.slice(0, 100)}" in the multipart map.`);
  const segments = path.split('.');
  if (segments[0] !== 'variables' || segments.length < 2 || segments.length > 8) throw bad();
  let target: unknown = operations;
  for (const [i, segment] of segments.entries()) {
    if (!PATH_SEGMENT.test(segment) || FORBIDDEN_SEGMENTS.has(segment)) throw bad();
    const container = target as Record<string, unknown> | unknown[];
    if (!(isPlainObject(container) || Array.isArray(container)) || !Object.hasOwn(container, segment)) throw bad();
    if (i === segments.length - 1) {
      if ((container as Record<string, unknown>)[segment] !== null) throw bad();
      if (!checkOnly) (container as Record<string, unknown>)[segment] = value;
      return;
    }
    target = (container as Record<string, unknown>)[segment];
  }
}

function parseJsonField(name: string, value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new MultipartError(400, 'BAD_REQUEST', `The multipart "${name}" field is not valid JSON.`);
  }
  if (Array.isArray(parsed) && name === 'operations') {
    throw new MultipartError(400, 'BAD_REQUEST', 'Batched operations are not supported.');
  }
  if (!isPlainObject(parsed)) {
    throw new MultipartError(400, 'BAD_REQUEST', `The multipart "${name}" field must be a JSON object.`);
  }
  return parsed;
}

const busy = () => new MultipartError(503, 'SERVER_BUSY', 'The server is busy receiving other uploads. Please retry in a few seconds.');

/** Counts `files` uploads against the rate limits, or throws an AppError (RATE_LIMITED). */
export type AdmitUploads = (scope: SignedInScope, files: number) => Promise<void>;

/**
 * A refusal from `admit`: a domain error, answered with its status and a Retry-After. Anything
 * else (the database is down) goes to the app's error handler.
 */
function refuse(res: Response, next: NextFunction, error: unknown): void {
  if (!(error instanceof AppError)) return next(error);
  if (res.headersSent) return;
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
  // Throttled requests come by the thousand from one client: their log lines are debug.
  if (error.code === 'RATE_LIMITED') res.locals.quietLog = true;
  res.status(error.httpStatus).set('Connection', 'close').json({
    errors: [{ message: error.message, extensions: { code: error.code, ...error.details } }],
  });
}

function sendError(res: Response, error: MultipartError, extensions: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  res.status(error.status).set('Connection', 'close').json({
    errors: [{ message: error.message, extensions: { code: error.code, ...extensions } }],
  });
}

/** The most a multipart request may declare: its files, two JSON fields and room for part headers. */
function maxMultipartBytes(limits: Pick<MultipartLimits, 'maxFiles' | 'maxFileBytes' | 'maxFieldBytes'>): number {
  return limits.maxFiles * (limits.maxFileBytes + 16 * 1024) + 2 * limits.maxFieldBytes + 64 * 1024;
}

export function graphqlMultipart(limits: MultipartLimits, budget: ByteBudget, admit: AdmitUploads, log: Logger): RequestHandler {
  // A request must fit in one account's share of the budget, or it could never be admitted.
  const maxBodyBytes = Math.min(maxMultipartBytes(limits), budget.accountBytes);

  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();
    const scope = checkHead(req, res);
    if (!scope) return;
    const declared = declaredBytes(req);
    const release = budget.reserve(scope.viewer.user.id, declared ?? maxBodyBytes);
    if (!release) {
      res.set('Retry-After', '2');
      return sendError(res, busy(), { retryAfterSeconds: 2 });
    }
    // Whatever happens from here (a refusal, a client gone while the limits are checked), the
    // reservation ends with the response.
    res.once('close', release);
    admit(scope, 1).then(
      () => {
        if (req.destroyed || res.closed) return;
        readBody(req, res, next, scope, declared ?? maxBodyBytes);
      },
      (error: unknown) => refuse(res, next, error),
    );
  };

  /** Steps 1–2 and the declared size: the viewer's scope, or null once a refusal has been sent. */
  function checkHead(req: Request, res: Response): SignedInScope | null {
    // CSRF: a custom header forces a preflight, which the server refuses cross-site.
    if (!req.get('apollo-require-preflight') && !req.get('x-apollo-operation-name')) {
      sendError(
        res,
        new MultipartError(
          400,
          'BAD_REQUEST',
          'This request has been blocked as a potential Cross-Site Request Forgery (CSRF). Multipart uploads must send the header "Apollo-Require-Preflight: true".',
        ),
      );
      return null;
    }
    const scope = scopeOf(req);
    if (!scope.viewer) {
      const error = unauthenticated();
      sendError(res, new MultipartError(401, 'UNAUTHENTICATED', error.message));
      return null;
    }
    const declared = declaredBytes(req);
    if (declared !== null && !(declared <= maxBodyBytes)) {
      sendError(res, new MultipartError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.'));
      return null;
    }
    return signedIn(scope);
  }

  /** Step 4, within the `allowedBytes` reserved for it. */
  function readBody(req: Request, res: Response, next: NextFunction, scope: SignedInScope, allowedBytes: number): void {

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          fieldSize: limits.maxFieldBytes,
          fields: 2,
          files: limits.maxFiles,
          // One byte over the limit so a file of exactly the limit is not cut, and a larger one is seen.
          fileSize: limits.maxFileBytes + 1,
          parts: limits.maxFiles + 2,
          headerPairs: 16,
        },
      });
    } catch {
      return sendError(res, new MultipartError(400, 'BAD_REQUEST', 'Malformed multipart request: bad Content-Type boundary.'));
    }

    let operations: Record<string, unknown> | undefined;
    let uploads: Map<string, FilePlace> | undefined;
    const received = new Set<string>();
    let done = false;
    let bodyBytes = 0;

    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      const known =
        error instanceof MultipartError
          ? error
          : new MultipartError(400, 'BAD_REQUEST', 'Malformed multipart request.');
      if (!(error instanceof MultipartError)) log.debug({ err: error }, 'multipart parse error');
      req.unpipe(parser);
      parser.removeAllListeners('file');
      parser.removeAllListeners('field');
      // Drain what the client still sends so it can read our answer; Connection: close ends it.
      req.resume();
      sendError(res, known);
    };

    // A client that stops sending loses its reservation quickly instead of at the request timeout.
    // One timer, pushed back by each chunk (refresh, not a new timer per chunk).
    const stall = setTimeout(() => {
      if (done) return;
      fail(new MultipartError(408, 'REQUEST_TIMEOUT', `The upload stalled: nothing arrived for ${Math.round(limits.stallMs / 1000)} seconds.`));
      // The answer is small and goes out at once; then the connection goes, with whatever the client still holds.
      res.once('finish', () => req.destroy());
    }, limits.stallMs);
    res.once('close', () => clearTimeout(stall));

    // Every parser error is handled, however many times it fires.
    parser.on('error', fail);
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (!done) stall.refresh();
      if (bodyBytes > allowedBytes) {
        fail(new MultipartError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.'));
        req.destroy();
      }
    });
    req.on('error', fail);
    req.on('close', () => {
      clearTimeout(stall);
      if (!done && !req.complete) {
        done = true;
        parser.destroy();
      }
    });

    parser.on('field', (name, value, info) => {
      if (done) return;
      try {
        if (info.nameTruncated || info.valueTruncated) {
          throw new MultipartError(413, 'PAYLOAD_TOO_LARGE', `The multipart "${name.slice(0, 32)}" field is too large.`);
        }
        if (name === 'operations' && !operations) {
          operations = parseJsonField('operations', value);
        } else if (name === 'map' && operations && !uploads) {
          const map = parseJsonField('map', value);
          const entries = Object.entries(map);
          if (entries.length > limits.maxFiles) {
            throw new MultipartError(413, 'PAYLOAD_TOO_LARGE', `At most ${limits.maxFiles} files per request.`);
          }
          uploads = new Map();
          const paths = new Set<string>();
          for (const [field, targets] of entries) {
            if (!FIELD_NAME.test(field) || !Array.isArray(targets) || targets.length !== 1 || typeof targets[0] !== 'string') {
              throw new MultipartError(400, 'BAD_REQUEST', 'Invalid multipart map: each file maps to exactly one path.');
            }
            const path = targets[0];
            if (paths.has(path)) throw new MultipartError(400, 'BAD_REQUEST', 'Invalid multipart map: two files map to the same path.');
            paths.add(path);
            // Checked now, so a bad map is refused before any file is read; filled when the file has arrived.
            placeUpload(operations, path, null, true);
            uploads.set(field, { operations, path });
          }
        } else {
          throw new MultipartError(
            400,
            'BAD_REQUEST',
            'Multipart fields must be "operations", then "map", then the files.',
          );
        }
      } catch (error) {
        fail(error);
      }
    });

    parser.on('file', (name, stream, info) => {
      const upload = uploads?.get(name);
      if (done || !upload || received.has(name)) {
        stream.resume();
        fail(new MultipartError(400, 'BAD_REQUEST', uploads ? `Unexpected file field "${name.slice(0, 32)}".` : 'Files must follow the "map" field.'));
        return;
      }
      received.add(name);
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limits.maxFileBytes) chunks.push(chunk);
      });
      stream.on('limit', () => {
        stream.resume();
        const error = fileTooLarge(limits.maxFileBytes);
        fail(new MultipartError(413, 'FILE_TOO_LARGE', error.message));
      });
      stream.on('error', fail);
      stream.on('end', () => {
        if (done || stream.truncated) return;
        const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        try {
          placeUpload(upload.operations, upload.path, new UploadedFile(info.filename ?? '', info.mimeType, data));
        } catch (error) {
          fail(error);
        }
      });
    });

    parser.on('close', () => {
      if (done) return;
      if (!operations) return fail(new MultipartError(400, 'BAD_REQUEST', 'Missing multipart field "operations".'));
      if (!uploads) return fail(new MultipartError(400, 'BAD_REQUEST', 'Missing multipart field "map".'));
      for (const field of uploads.keys()) {
        if (!received.has(field)) return fail(new MultipartError(400, 'BAD_REQUEST', `File "${field}" is missing from the request.`));
      }
      done = true;
      clearTimeout(stall);
      req.body = operations;
      // The first file was counted before the body; the others are counted before any is decoded.
      if (uploads.size <= 1) return next();
      admit(scope, uploads.size - 1).then(next, (error: unknown) => refuse(res, next, error));
    });

    req.pipe(parser);
  }
}

function declaredBytes(req: Request): number | null {
  const header = req.get('content-length');
  return header === undefined ? null : Number(header);
}
