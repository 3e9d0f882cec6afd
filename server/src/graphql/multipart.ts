import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Upload, type FileUpload } from 'graphql-upload-minimal';
import type { Logger } from '../logger.js';
import { fileTooLarge } from '../errors.js';

/**
 * Parses GraphQL multipart requests (the graphql-multipart-request spec) before Apollo sees them.
 *
 * graphql-upload-minimal's own processRequest is not used: on some malformed bodies it raises an
 * unhandled parser error that takes the process down, silently truncates files at its limit and
 * resolves map paths through the prototype chain. This parser reads the whole (bounded) body,
 * answers every malformed case with a 4xx, and only then hands the operation to Apollo, with
 * graphql-upload-minimal's Upload objects in place so its GraphQLUpload scalar works unchanged.
 */
export interface MultipartLimits {
  /** Largest file accepted, inclusive. */
  maxFileBytes: number;
  maxFiles: number;
  /** Largest `operations` or `map` field. */
  maxFieldBytes: number;
  /**
   * Multipart requests in progress at once (reading, queued or processing). Past it a new one is
   * refused with SERVER_BUSY before its body is read, so a burst can't buffer every body first.
   */
  maxActive: number;
}

type ErrorCode = 'BAD_REQUEST' | 'FILE_TOO_LARGE' | 'PAYLOAD_TOO_LARGE' | 'SERVER_BUSY';

class MultipartError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
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

/** Puts `value` at `path` (e.g. "variables.file") where the operation holds a null placeholder; own properties only. */
function placeUpload(operations: Record<string, unknown>, path: string, value: unknown): void {
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
      (container as Record<string, unknown>)[segment] = value;
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

function sendError(res: Response, error: MultipartError, extensions: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  res.status(error.status).set('Connection', 'close').json({
    errors: [{ message: error.message, extensions: { code: error.code, ...extensions } }],
  });
}

export function graphqlMultipart(limits: MultipartLimits, log: Logger): RequestHandler {
  // Two JSON fields, every file, and generous room for part headers and boundaries.
  const maxBodyBytes = limits.maxFiles * (limits.maxFileBytes + 16 * 1024) + 2 * limits.maxFieldBytes + 64 * 1024;
  let active = 0;

  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();

    // CSRF: a browser can send a multipart form cross-site without a preflight; a custom header
    // forces one. Checked before reading the body so nothing of a forged upload is processed.
    if (!req.get('apollo-require-preflight') && !req.get('x-apollo-operation-name')) {
      return sendError(
        res,
        new MultipartError(
          400,
          'BAD_REQUEST',
          'This request has been blocked as a potential Cross-Site Request Forgery (CSRF). Multipart uploads must send the header "Apollo-Require-Preflight: true".',
        ),
      );
    }
    if (active >= limits.maxActive) {
      res.set('Retry-After', '2');
      return sendError(
        res,
        new MultipartError(503, 'SERVER_BUSY', 'The server is busy processing other images. Please retry in a few seconds.'),
        { retryAfterSeconds: 2 },
      );
    }
    active++;
    res.once('close', () => active--);
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > maxBodyBytes) {
      return sendError(res, new MultipartError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.'));
    }

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
    let uploads: Map<string, Upload> | undefined;
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

    // Every parser error is handled, however many times it fires.
    parser.on('error', fail);
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > maxBodyBytes) {
        fail(new MultipartError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.'));
        req.destroy();
      }
    });
    req.on('error', fail);
    req.on('close', () => {
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
          for (const [field, paths] of entries) {
            if (!FIELD_NAME.test(field) || !Array.isArray(paths) || paths.length !== 1 || typeof paths[0] !== 'string') {
              throw new MultipartError(400, 'BAD_REQUEST', 'Invalid multipart map: each file maps to exactly one path.');
            }
            const upload = new Upload();
            placeUpload(operations, paths[0], upload);
            uploads.set(field, upload);
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
        const data = Buffer.concat(chunks, size);
        (upload as unknown as { resolve(file: FileUpload): void }).resolve({
          fieldName: name,
          filename: info.filename ?? '',
          mimetype: info.mimeType,
          encoding: info.encoding,
          createReadStream: () => Readable.from([data]) as never,
        });
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
      req.body = operations;
      next();
    });

    req.pipe(parser);
  };
}
