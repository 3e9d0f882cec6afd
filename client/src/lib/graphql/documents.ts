import { gql } from '@urql/svelte';
import type { ImageConnection, ImageDetail, LoginInput, RegisterInput, User } from './types.ts';

/**
 * Every operation the web client sends. The login token is never selected: the browser session
 * lives in an HttpOnly cookie and the token would only be one more secret in memory.
 */

const UserFields = gql`
  fragment UserFields on User {
    id
    username
    email
    emailVerified
    createdAt
  }
`;

const ImageSummaryFields = gql`
  fragment ImageSummaryFields on Image {
    id
    filename
    mimeType
    width
    height
    byteSize
    createdAt
    thumbnailUrl
  }
`;

export const MeQuery = gql<{ me: User | null }, Record<string, never>>`
  query Me {
    me {
      ...UserFields
    }
  }
  ${UserFields}
`;

export const ImagesQuery = gql<{ images: ImageConnection }, { first: number; after: string | null }>`
  query Images($first: Int!, $after: String) {
    images(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...ImageSummaryFields
      }
    }
  }
  ${ImageSummaryFields}
`;

export const ImageQuery = gql<{ image: ImageDetail | null }, { id: string }>`
  query Image($id: ID!) {
    image(id: $id) {
      ...ImageSummaryFields
      url
      originalUrl
      metadata
    }
  }
  ${ImageSummaryFields}
`;

export const RegisterMutation = gql<{ register: User }, { input: RegisterInput }>`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...UserFields
    }
  }
  ${UserFields}
`;

export const LoginMutation = gql<{ login: { user: User } }, { input: LoginInput }>`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      user {
        ...UserFields
      }
    }
  }
  ${UserFields}
`;

export const LogoutMutation = gql<{ logout: boolean }, Record<string, never>>`
  mutation Logout {
    logout
  }
`;

export const DeleteImageMutation = gql<{ deleteImage: boolean }, { id: string }>`
  mutation DeleteImage($id: ID!) {
    deleteImage(id: $id)
  }
`;

/**
 * Uploads go through XMLHttpRequest (for progress events), not urql, so this one is plain text
 * for the multipart `operations` field.
 */
export const UPLOAD_IMAGE_MUTATION = `mutation UploadImage($file: Upload!) {
  uploadImage(file: $file) {
    id
    filename
    mimeType
    width
    height
    byteSize
    createdAt
    url
    thumbnailUrl
    originalUrl
  }
}`;
