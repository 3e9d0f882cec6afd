/** TypeScript shapes of what the client selects, following the server's schema.graphql. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface User {
  id: string;
  username: string;
  email: string;
  emailVerified: boolean;
  createdAt: string;
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
