import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Writes bytes straight onto a TCP socket — for requests no HTTP client would send — and reads
 * the answer. `endAfterWrite: false` drops the connection after writing (a truncated upload).
 */
export function rawRequest(
  port: number,
  request: Buffer | string,
  options: { endAfterWrite?: boolean; timeoutMs?: number } = {},
): Promise<RawResponse | null> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, options.timeoutMs ?? 5000);
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      if (!text) return resolve(null);
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: rest.join('\r\n\r\n') });
    };
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error) => (chunks.length ? finish() : options.endAfterWrite === false ? finish() : reject(error)));
    // The request says Connection: close, so the server ends the socket after answering;
    // a truncated request instead drops the connection midway.
    socket.write(request, () => {
      if (options.endAfterWrite === false) setTimeout(() => socket.destroy(), 300);
    });
  });
}

export const BOUNDARY = '----lockframe-test-boundary';

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  body: Buffer | string;
  /** Raw header block to use instead of the generated one. */
  rawHeaders?: string;
}

export function multipartBody(parts: Part[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const headers =
      part.rawHeaders ??
      `Content-Disposition: form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}\r\n` +
        (part.contentType ? `Content-Type: ${part.contentType}\r\n` : '');
    chunks.push(Buffer.from(`--${boundary}\r\n${headers}\r\n`, 'latin1'));
    chunks.push(Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The parts of a graphql-multipart-request upload of one file as `variables.file`, for multipartBody. */
export function uploadParts(query: string, file: Buffer, filename: string, contentType = 'image/jpeg'): Part[] {
  return [
    { name: 'operations', body: JSON.stringify({ query, variables: { file: null } }) },
    { name: 'map', body: JSON.stringify({ 0: ['variables.file'] }) },
    { name: '0', filename, contentType, body: file },
  ];
}

export function multipartRequest(
  body: Buffer,
  headers: Record<string, string> = {},
  boundary = BOUNDARY,
  contentLength: number = body.length,
): Buffer {
  const all: Record<string, string> = {
    Host: 'localhost',
    'Content-Type': `multipart/form-data; boundary=${boundary}`,
    'Content-Length': String(contentLength),
    'Apollo-Require-Preflight': 'true',
    Connection: 'close',
    ...headers,
  };
  const head = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return Buffer.concat([Buffer.from(`POST /graphql HTTP/1.1\r\n${head}\r\n\r\n`, 'latin1'), body]);
}

/**
 * Writes `request` (typically a head and part of its body) and keeps the connection open, as a
 * slow or hostile client does: `response` settles when the server answers or closes, `close()`
 * drops the connection.
 */
export function holdOpen(port: number, request: Buffer | string): { response: Promise<RawResponse | null>; close(): void } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  const response = new Promise<RawResponse | null>((resolve) => {
    const finish = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      if (!text) return resolve(null);
      const [head = '', ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    };
    socket.on('data', (d) => chunks.push(d));
    socket.on('close', finish);
    socket.on('error', () => undefined);
  });
  socket.write(request);
  return { response, close: () => socket.destroy() };
}
