import { gql } from '@urql/svelte';
import type {
  ApiToken,
  ChangePasswordInput,
  CreateApiTokenInput,
  CreatedApiToken,
  ImageConnection,
  ImageDetail,
  ImageFilter,
  LoginInput,
  RegisterInput,
  ResetPasswordInput,
  SecurityEvent,
  ServerConfig,
  SessionInfo,
  User,
} from './types.ts';

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

/** Public: asked before anyone logs in, for the upload limit and the password rules. */
export const ServerConfigQuery = gql<{ serverConfig: ServerConfig }, Record<string, never>>`
  query ServerConfig {
    serverConfig {
      maxUploadBytes
      passwordPolicy
      emailVerificationRequired
    }
  }
`;

const ImageConnectionFields = gql`
  fragment ImageConnectionFields on ImageConnection {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      ...ImageSummaryFields
    }
  }
  ${ImageSummaryFields}
`;

export const ImagesQuery = gql<{ images: ImageConnection }, { first: number; after: string | null }>`
  query Images($first: Int!, $after: String) {
    images(first: $first, after: $after) {
      ...ImageConnectionFields
    }
  }
  ${ImageConnectionFields}
`;

/**
 * The gallery with a search. A separate document from ImagesQuery on purpose: the plain gallery
 * never depends on the `filter` argument, so it keeps working against a server without search.
 */
export const SearchImagesQuery = gql<{ images: ImageConnection }, { first: number; after: string | null; filter: ImageFilter }>`
  query SearchImages($first: Int!, $after: String, $filter: ImageFilter!) {
    images(first: $first, after: $after, filter: $filter) {
      ...ImageConnectionFields
    }
  }
  ${ImageConnectionFields}
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

export const ChangePasswordMutation = gql<{ changePassword: boolean }, { input: ChangePasswordInput }>`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input)
  }
`;

export const RequestPasswordResetMutation = gql<{ requestPasswordReset: boolean }, { email: string }>`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`;

export const ResetPasswordMutation = gql<{ resetPassword: boolean }, { input: ResetPasswordInput }>`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input)
  }
`;

export const VerifyEmailMutation = gql<{ verifyEmail: User }, { token: string }>`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      ...UserFields
    }
  }
  ${UserFields}
`;

export const ResendVerificationEmailMutation = gql<{ resendVerificationEmail: boolean }, Record<string, never>>`
  mutation ResendVerificationEmail {
    resendVerificationEmail
  }
`;

export const SessionsQuery = gql<{ sessions: SessionInfo[] }, Record<string, never>>`
  query Sessions {
    sessions {
      id
      userAgent
      ip
      createdAt
      lastSeenAt
      expiresAt
      current
    }
  }
`;

export const RevokeSessionMutation = gql<{ revokeSession: boolean }, { id: string }>`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`;

export const RevokeOtherSessionsMutation = gql<{ revokeOtherSessions: number }, Record<string, never>>`
  mutation RevokeOtherSessions {
    revokeOtherSessions
  }
`;

const ApiTokenFields = gql`
  fragment ApiTokenFields on ApiToken {
    id
    name
    prefix
    createdAt
    lastUsedAt
    expiresAt
  }
`;

export const ApiTokensQuery = gql<{ apiTokens: ApiToken[] }, Record<string, never>>`
  query ApiTokens {
    apiTokens {
      ...ApiTokenFields
    }
  }
  ${ApiTokenFields}
`;

export const CreateApiTokenMutation = gql<{ createApiToken: CreatedApiToken }, { input: CreateApiTokenInput }>`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token {
        ...ApiTokenFields
      }
      secret
    }
  }
  ${ApiTokenFields}
`;

export const RevokeApiTokenMutation = gql<{ revokeApiToken: boolean }, { id: string }>`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id)
  }
`;

export const SecurityEventsQuery = gql<{ securityEvents: SecurityEvent[] }, { first: number }>`
  query SecurityEvents($first: Int!) {
    securityEvents(first: $first) {
      id
      event
      ip
      userAgent
      createdAt
      details
    }
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
