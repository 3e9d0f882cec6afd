import { stringifyDocument } from '@urql/core';
import { graphql, type ResultOf, type VariablesOf } from './graphql.ts';

/**
 * Every operation the web client sends, typed from the schema; the types the rest of the client
 * uses are read off these documents, so they follow what is selected. The login token is never
 * selected: the browser session lives in an HttpOnly cookie and the token would only be one more
 * secret in memory.
 */

const UserFields = graphql(`
  fragment UserFields on User {
    id
    username
    email
    emailVerified
    role
    createdAt
  }
`);

export type User = ResultOf<typeof UserFields>;

const ImageSummaryFields = graphql(`
  fragment ImageSummaryFields on Image {
    id
    filename
    mimeType
    width
    height
    byteSize
    createdAt
    takenAt
    thumbnailUrl
  }
`);

/** What a gallery tile needs. */
export type ImageSummary = ResultOf<typeof ImageSummaryFields>;

export const MeQuery = graphql(
  `
    query Me {
      me {
        ...UserFields
      }
    }
  `,
  [UserFields],
);

/** Public: asked before anyone logs in, for the upload limit and the password rules (maxImagePixels: no pre-check uses it). */
export const ServerConfigQuery = graphql(`
  query ServerConfig {
    serverConfig {
      maxUploadBytes
      passwordPolicy
      emailVerificationRequired
    }
  }
`);

export type ServerConfig = ResultOf<typeof ServerConfigQuery>['serverConfig'];

const ImageConnectionFields = graphql(
  `
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
  `,
  [ImageSummaryFields],
);

export const ImagesQuery = graphql(
  `
    query Images($first: Int!, $after: String, $order: ImageOrder = UPLOADED) {
      images(first: $first, after: $after, order: $order) {
        ...ImageConnectionFields
      }
    }
  `,
  [ImageConnectionFields],
);

/**
 * The gallery with a search. A separate document from ImagesQuery on purpose: the plain gallery
 * never depends on the `filter` argument, so it keeps working against a server without search.
 */
export const SearchImagesQuery = graphql(
  `
    query SearchImages($first: Int!, $after: String, $filter: ImageFilter!, $order: ImageOrder = UPLOADED) {
      images(first: $first, after: $after, filter: $filter, order: $order) {
        ...ImageConnectionFields
      }
    }
  `,
  [ImageConnectionFields],
);

/** The gallery search. Every given condition must match; dates are ISO 8601 (DateTime). */
export type ImageFilter = VariablesOf<typeof SearchImagesQuery>['filter'];

/** UPLOADED or TAKEN (capture time, falling back to upload time). */
export type ImageOrder = NonNullable<VariablesOf<typeof ImagesQuery>['order']>;

const ImageDetailsFields = graphql(`
  fragment ImageDetailsFields on ImageDetails {
    format
    camera { make model lens software }
    exposure { exposureTime fNumber iso focalLength flash }
    capturedAt
    orientation
    location { latitude longitude altitude }
    colorProfile
    png { width height bitDepth colorType interlaced text { key values } }
    animation { frames loop delays }
    iptc { key values }
    xmp { key values }
    fields { name text number flag }
  }
`);

/** An image's extracted metadata, typed by the schema. */
export type ImageDetails = ResultOf<typeof ImageDetailsFields>;

export const ImageQuery = graphql(
  `
    query Image($id: ID!) {
      image(id: $id) {
        ...ImageSummaryFields
        url
        originalUrl
        favorite
        details {
          ...ImageDetailsFields
        }
      }
    }
  `,
  [ImageSummaryFields, ImageDetailsFields],
);

export const RegisterMutation = graphql(
  `
    mutation Register($input: RegisterInput!) {
      register(input: $input) {
        ...UserFields
      }
    }
  `,
  [UserFields],
);

export type RegisterInput = VariablesOf<typeof RegisterMutation>['input'];

export const LoginMutation = graphql(
  `
    mutation Login($input: LoginInput!) {
      login(input: $input) {
        user {
          ...UserFields
        }
      }
    }
  `,
  [UserFields],
);

/** `username` takes a username or an e-mail address. */
export type LoginInput = VariablesOf<typeof LoginMutation>['input'];

export const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);

export const DeleteImageMutation = graphql(`
  mutation DeleteImage($id: ID!) {
    deleteImage(id: $id)
  }
`);

/** The trash, newest upload first. */
export const TrashedImagesQuery = graphql(
  `
    query TrashedImages($first: Int!, $after: String) {
      trashedImages(first: $first, after: $after) {
        ...ImageConnectionFields
      }
    }
  `,
  [ImageConnectionFields],
);

export const TrashImagesMutation = graphql(`
  mutation TrashImages($ids: [ID!]!) {
    trashImages(ids: $ids)
  }
`);

export const RestoreImagesMutation = graphql(`
  mutation RestoreImages($ids: [ID!]!) {
    restoreImages(ids: $ids)
  }
`);

export const EmptyTrashMutation = graphql(`
  mutation EmptyTrash {
    emptyTrash
  }
`);

export const SetFavoriteMutation = graphql(`
  mutation SetFavorite($id: ID!, $favorite: Boolean!) {
    setFavorite(id: $id, favorite: $favorite) {
      id
      favorite
    }
  }
`);

const AlbumFields = graphql(`
  fragment AlbumFields on Album {
    id
    name
    createdAt
    imageCount
    cover {
      id
      filename
      thumbnailUrl
    }
  }
`);

/** An album as its card and its page show it. */
export type Album = ResultOf<typeof AlbumFields>;

export const AlbumsQuery = graphql(
  `
    query Albums {
      albums {
        ...AlbumFields
      }
    }
  `,
  [AlbumFields],
);

export const AlbumQuery = graphql(
  `
    query Album($id: ID!) {
      album(id: $id) {
        ...AlbumFields
      }
    }
  `,
  [AlbumFields],
);

export const CreateAlbumMutation = graphql(
  `
    mutation CreateAlbum($name: String!) {
      createAlbum(name: $name) {
        ...AlbumFields
      }
    }
  `,
  [AlbumFields],
);

export const RenameAlbumMutation = graphql(
  `
    mutation RenameAlbum($id: ID!, $name: String!) {
      renameAlbum(id: $id, name: $name) {
        ...AlbumFields
      }
    }
  `,
  [AlbumFields],
);

export const DeleteAlbumMutation = graphql(`
  mutation DeleteAlbum($id: ID!) {
    deleteAlbum(id: $id)
  }
`);

export const AddToAlbumMutation = graphql(
  `
    mutation AddToAlbum($imageIds: [ID!]!, $albumId: ID!) {
      addToAlbum(imageIds: $imageIds, albumId: $albumId) {
        ...AlbumFields
      }
    }
  `,
  [AlbumFields],
);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input)
  }
`);

export type ChangePasswordInput = VariablesOf<typeof ChangePasswordMutation>['input'];

export const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

export const ResetPasswordMutation = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input)
  }
`);

export type ResetPasswordInput = VariablesOf<typeof ResetPasswordMutation>['input'];

export const VerifyEmailMutation = graphql(
  `
    mutation VerifyEmail($token: String!) {
      verifyEmail(token: $token) {
        ...UserFields
      }
    }
  `,
  [UserFields],
);

export const ResendVerificationEmailMutation = graphql(`
  mutation ResendVerificationEmail {
    resendVerificationEmail
  }
`);

/** Opens the link mailed to a new address: the account's address switches. */
export const ConfirmEmailChangeMutation = graphql(`
  mutation ConfirmEmailChange($token: String!) {
    confirmEmailChange(token: $token) {
      id
      email
    }
  }
`);

export const ChangeEmailMutation = graphql(`
  mutation ChangeEmail($newEmail: String!, $password: String!) {
    changeEmail(newEmail: $newEmail, password: $password)
  }
`);

export const DeleteAccountMutation = graphql(`
  mutation DeleteAccount($password: String!) {
    deleteAccount(password: $password)
  }
`);

/** The admin console: accounts with counts and sizes, never anything about photos. */
export const AdminUsersQuery = graphql(`
  query AdminUsers($first: Int, $after: String, $search: String) {
    adminUsers(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        username
        email
        role
        emailVerified
        disabled
        createdAt
        lastLoginAt
        imageCount
        storageBytes
        quotaBytes
      }
    }
  }
`);

export type AdminUser = ResultOf<typeof AdminUsersQuery>['adminUsers']['nodes'][number];

export const AdminActionsQuery = graphql(`
  query AdminActions($first: Int) {
    adminActions(first: $first) {
      id
      event
      createdAt
      targetUsername
      actor
      quotaBytes
    }
  }
`);

export const AdminSetUserDisabledMutation = graphql(`
  mutation AdminSetUserDisabled($id: ID!, $disabled: Boolean!) {
    adminSetUserDisabled(id: $id, disabled: $disabled) {
      id
      disabled
    }
  }
`);

export const AdminSetUserQuotaMutation = graphql(`
  mutation AdminSetUserQuota($id: ID!, $quotaBytes: SafeInt) {
    adminSetUserQuota(id: $id, quotaBytes: $quotaBytes) {
      id
      quotaBytes
    }
  }
`);

export const AdminDeleteUserMutation = graphql(`
  mutation AdminDeleteUser($id: ID!) {
    adminDeleteUser(id: $id)
  }
`);

/** The viewer's storage use and quota (Settings → Storage). */
export const StorageQuery = graphql(`
  query Storage {
    me {
      id
      storageBytes
      quotaBytes
    }
  }
`);

export const SessionsQuery = graphql(`
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
`);

export type SessionInfo = ResultOf<typeof SessionsQuery>['sessions'][number];

export const RevokeSessionMutation = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

export const RevokeOtherSessionsMutation = graphql(`
  mutation RevokeOtherSessions {
    revokeOtherSessions
  }
`);

const ApiTokenFields = graphql(`
  fragment ApiTokenFields on ApiToken {
    id
    name
    prefix
    createdAt
    lastUsedAt
    expiresAt
  }
`);

export type ApiToken = ResultOf<typeof ApiTokenFields>;

export const ApiTokensQuery = graphql(
  `
    query ApiTokens {
      apiTokens {
        ...ApiTokenFields
      }
    }
  `,
  [ApiTokenFields],
);

export const CreateApiTokenMutation = graphql(
  `
    mutation CreateApiToken($input: CreateApiTokenInput!) {
      createApiToken(input: $input) {
        token {
          ...ApiTokenFields
        }
        secret
      }
    }
  `,
  [ApiTokenFields],
);

export type CreateApiTokenInput = VariablesOf<typeof CreateApiTokenMutation>['input'];
/** The new token and its secret, shown once and never stored by the client. */
export type CreatedApiToken = ResultOf<typeof CreateApiTokenMutation>['createApiToken'];

export const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id)
  }
`);

export const SecurityEventsQuery = graphql(`
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
`);

export type SecurityEvent = ResultOf<typeof SecurityEventsQuery>['securityEvents'][number];

/** Uploads go through XMLHttpRequest (for progress events), not urql: see upload.ts. */
export const UploadImageMutation = graphql(`
  mutation UploadImage($file: Upload!) {
    uploadImage(file: $file) {
      id
      filename
      mimeType
      width
      height
      byteSize
      createdAt
      takenAt
      url
      thumbnailUrl
      originalUrl
    }
  }
`);

/** The operation's text, for the multipart `operations` field. */
export const UPLOAD_IMAGE_MUTATION = stringifyDocument(UploadImageMutation);

/** What an upload returns: enough to show the new photo and link to it. */
export type UploadedImage = ResultOf<typeof UploadImageMutation>['uploadImage'];

export const SecurityQuery = graphql(`
  query Security {
    me {
      id
      mfaEnabled
    }
    passkeys {
      id
      name
      createdAt
      lastUsedAt
    }
  }
`);

export type Passkey = ResultOf<typeof SecurityQuery>['passkeys'][number];

export const BeginTotpSetupMutation = graphql(`
  mutation BeginTotpSetup {
    beginTotpSetup {
      secret
      otpauthUri
    }
  }
`);

export type TotpSetup = ResultOf<typeof BeginTotpSetupMutation>['beginTotpSetup'];

export const EnableTotpMutation = graphql(`
  mutation EnableTotp($code: String!) {
    enableTotp(code: $code)
  }
`);

export const DisableTotpMutation = graphql(`
  mutation DisableTotp($password: String!, $otp: String!) {
    disableTotp(password: $password, otp: $otp)
  }
`);

export const RegenerateRecoveryCodesMutation = graphql(`
  mutation RegenerateRecoveryCodes($otp: String!) {
    regenerateRecoveryCodes(otp: $otp)
  }
`);

export const PasskeyRegistrationOptionsMutation = graphql(`
  mutation PasskeyRegistrationOptions {
    passkeyRegistrationOptions
  }
`);

export const RegisterPasskeyMutation = graphql(`
  mutation RegisterPasskey($response: JSON!, $name: String!) {
    registerPasskey(response: $response, name: $name) {
      id
      name
    }
  }
`);

export const DeletePasskeyMutation = graphql(`
  mutation DeletePasskey($id: ID!) {
    deletePasskey(id: $id)
  }
`);

export const PasskeyLoginOptionsMutation = graphql(`
  mutation PasskeyLoginOptions($username: String) {
    passkeyLoginOptions(username: $username)
  }
`);

export const LoginWithPasskeyMutation = graphql(
  `
    mutation LoginWithPasskey($response: JSON!) {
      loginWithPasskey(response: $response) {
        user {
          ...UserFields
        }
      }
    }
  `,
  [UserFields],
);
