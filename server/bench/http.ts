/** The benchmark's HTTP client: loopback only, keep-alive, little CPU. */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { codeOf, gqlBody, type GqlResponse } from '../test/support/client.js';
import { multipartBody, uploadParts } from '../test/support/raw-http.js';
import { isStamped, STAMP_OFFSET } from './photos.js';

interface HttpResult {
  status: number;
  body: Buffer;
  bytes: number;
}

/** The tests' answer shape, less the headers: nothing here reads them. */
type GqlResult<T> = Omit<GqlResponse<T>, 'headers'>;

export class LoopbackClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    // The benchmark must never send its traffic anywhere else.
    if (url.hostname !== '127.0.0.1' || url.protocol !== 'http:') throw new Error(`refusing to benchmark ${baseUrl}`);
    this.port = Number(url.port);
  }

  request(
    method: string,
    pathname: string,
    headers: Record<string, string>,
    body?: Buffer,
    { keepBody = true }: { keepBody?: boolean } = {},
  ): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: pathname,
          agent: this.agent,
          timeout: 120_000,
          headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (keepBody) chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), bytes }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  async gql<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<GqlResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.request('POST', '/graphql', headers, Buffer.from(JSON.stringify({ query, variables })));
    return parseGql<T>(res);
  }

  async upload(form: MultipartForm, token: string): Promise<GqlResult<{ uploadImage: { id: string } }>> {
    const res = await this.request(
      'POST',
      '/graphql',
      {
        'content-type': `multipart/form-data; boundary=${form.boundary}`,
        'apollo-require-preflight': 'true',
        authorization: `Bearer ${token}`,
      },
      form.body,
    );
    return parseGql(res);
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseGql<T>(res: HttpResult): GqlResult<T> {
  const raw = res.body.toString('utf8');
  return { status: res.status, ...gqlBody<T>(raw), raw };
}

export const errorCode = (res: GqlResult<unknown>): string =>
  String(codeOf(res) ?? (res.status >= 400 ? `HTTP_${res.status}` : 'NO_DATA'));

/** Asks for few fields: the figures are for storing an upload, not for presenting it. */
const UPLOAD_MUTATION = 'mutation Upload($file: Upload!) { uploadImage(file: $file) { id width height } }';

export interface MultipartForm {
  boundary: string;
  body: Buffer;
  /** Where the photo's stamp (photos.ts withStamp) sits in the body, or -1. */
  stampAt: number;
}

/** A graphql-multipart-request body, built once per image so clients spend no CPU on it. */
export function multipartForm(file: Buffer, filename: string): MultipartForm {
  const boundary = `----lockframe-bench-${randomBytes(8).toString('hex')}`;
  const body = multipartBody(uploadParts(UPLOAD_MUTATION, file, filename), boundary);
  return { boundary, body, stampAt: isStamped(file) ? body.indexOf(file) + STAMP_OFFSET : -1 };
}

let stamps = 0;
/**
 * A copy of the form whose photo no earlier upload had: the server answers bytes a user already
 * uploaded with that image without processing them, so every upload here must be new work
 * (copying ~5 MB costs well under a millisecond).
 */
export function fresh(form: MultipartForm): MultipartForm {
  if (form.stampAt < 0) return form;
  const body = Buffer.from(form.body);
  body.writeBigUInt64BE(BigInt(++stamps), form.stampAt);
  return { ...form, body };
}
