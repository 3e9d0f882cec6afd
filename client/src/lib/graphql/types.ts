/** TypeScript shapes of what the client selects, following the server's schema.graphql. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface User {
  id: string;
  username: string;
  email: string;
  emailVerified: boolean;
  createdAt: string;
}

/** The server's public limits and policies, as it sends them (maxImagePixels is not selected: no pre-check uses it). */
export interface ServerConfig {
  /** Largest accepted upload in bytes, inclusive. */
  maxUploadBytes: number;
  /** "classic" or "nist". */
  passwordPolicy: string;
  /** Whether an account must confirm its e-mail address before uploading. */
  emailVerificationRequired: boolean;
}

/** What a gallery tile needs. */
export interface ImageSummary {
  id: string;
  filename: string;
  mimeType: string;
  width: number;
  height: number;
  byteSize: number;
  createdAt: string;
  thumbnailUrl: string;
}

/** What an upload returns: enough to show the new photo and link to it. */
export interface UploadedImage extends ImageSummary {
  url: string;
  originalUrl: string;
}

export interface ImageDetail extends UploadedImage {
  metadata: JsonValue | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface ImageConnection {
  nodes: ImageSummary[];
  totalCount: number;
  pageInfo: PageInfo;
}

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
}

/** `username` takes a username or an e-mail address. */
export interface LoginInput {
  username: string;
  password: string;
}

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

/** The gallery search. Every given condition must match; dates are ISO 8601 (DateTime). */
export interface ImageFilter {
  /** Part of the file name, any case. */
  filename?: string;
  /** Part of the camera make or model, any case. */
  camera?: string;
  format?: ImageFormat;
  takenFrom?: string;
  takenTo?: string;
}

export interface SessionInfo {
  id: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  /** The session making the request: this browser. */
  current: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  /** The first characters of the secret, to recognise it by. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

export interface CreatedApiToken {
  token: ApiToken;
  /** Shown once, never stored by the client. */
  secret: string;
}

export interface SecurityEvent {
  id: string;
  event: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  details: JsonValue | null;
}

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
  endOtherSessions: boolean;
}

export interface ResetPasswordInput {
  token: string;
  newPassword: string;
}

export interface CreateApiTokenInput {
  name: string;
  /** null: never expires. */
  expiresInDays: number | null;
}
