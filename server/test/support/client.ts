import { randomBytes } from 'node:crypto';

export interface GqlResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }> | undefined;
  raw: string;
}

export const UPLOAD_MUTATION = `mutation Upload($file: Upload!) {
  uploadImage(file: $file) { id filename mimeType width height byteSize createdAt takenAt favorite trashedAt url thumbnailUrl originalUrl metadata }
}`;

/** A tiny GraphQL-over-HTTP client: JSON posts, multipart uploads, and media GETs. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
    /** Every request is aborted after this long, so a server that hangs fails the spec instead of stalling it. */
    readonly timeoutMs?: number,
  ) {}

  private get signal(): AbortSignal | undefined {
    return this.timeoutMs ? AbortSignal.timeout(this.timeoutMs) : undefined;
  }

  private authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<GqlResponse<T>> {
    const res = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.authHeaders(), ...headers },
      body: JSON.stringify({ query, variables }),
      signal: this.signal,
    });
    return parse<T>(res);
  }

  async upload(
    file: Buffer,
    filename = 'photo.jpg',
    options: { preflight?: boolean; mimeType?: string; headers?: Record<string, string> } = {},
  ): Promise<GqlResponse<{ uploadImage: any }>> {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([new Uint8Array(file)], { type: options.mimeType ?? 'image/jpeg' }), filename);
    const res = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: {
        ...(options.preflight === false ? {} : { 'apollo-require-preflight': 'true' }),
        ...this.authHeaders(),
        ...options.headers,
      },
      body: form,
      signal: this.signal,
    });
    return parse(res);
  }

  /** Uploads and returns the image, failing loudly when the server refused it. */
  async uploadOk(file: Buffer, filename = 'photo.jpg'): Promise<any> {
    const res = await this.upload(file, filename);
    if (res.errors || !res.data?.uploadImage) throw new Error(`upload failed: ${res.raw}`);
    return res.data.uploadImage;
  }

  media(pathname: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${pathname}`, { headers: { ...this.authHeaders(), ...headers }, signal: this.signal });
  }
}

async function parse<T>(res: Response): Promise<GqlResponse<T>> {
  const raw = await res.text();
  return { status: res.status, headers: res.headers, ...gqlBody<T>(raw), raw };
}

/** `data` and `errors` of a GraphQL answer's text; both undefined when it is not JSON (the caller keeps `raw`). */
export function gqlBody<T>(raw: string): Pick<GqlResponse<T>, 'data' | 'errors'> {
  let body: any = {};
  try {
    body = JSON.parse(raw);
  } catch {
    body = {};
  }
  return { data: body.data, errors: body.errors };
}

export const STRONG_PASSWORD = 'Correct-Horse-9-Battery';

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
  client: ApiClient;
}

/** Factory: registers and logs in a fresh user; the client carries its bearer token. */
export async function newUser(baseUrl: string, overrides: Partial<{ username: string; email: string; password: string }> = {}): Promise<TestUser> {
  const suffix = randomBytes(4).toString('hex');
  const username = overrides.username ?? `user_${suffix}`;
  const email = overrides.email ?? `${username}@example.com`;
  const password = overrides.password ?? STRONG_PASSWORD;
  const anon = new ApiClient(baseUrl);
  const reg = await anon.gql(`mutation($input: RegisterInput!) { register(input: $input) { id } }`, {
    input: { username, email, password },
  });
  if (reg.errors) throw new Error(`register failed: ${reg.raw}`);
  const login = await anon.gql<{ login: { token: string; user: { id: string } } }>(
    `mutation($input: LoginInput!) { login(input: $input) { token user { id } } }`,
    { input: { username, password } },
  );
  if (login.errors || !login.data) throw new Error(`login failed: ${login.raw}`);
  return {
    id: login.data.login.user.id,
    username,
    email,
    password,
    token: login.data.login.token,
    client: new ApiClient(baseUrl, login.data.login.token),
  };
}

export function codeOf(res: Pick<GqlResponse, 'errors'>): unknown {
  return res.errors?.[0]?.extensions?.code;
}
