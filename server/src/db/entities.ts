import { AlbumImageSchema, AlbumSchema } from '../modules/album/album.entity.js';
import { AuditEventSchema } from '../modules/audit/audit-event.entity.js';
import { EmailChangeSchema } from '../modules/lifecycle/email-change.entity.js';
import { ImageSchema } from '../modules/image/image.entity.js';
import { KnownDeviceSchema } from '../modules/device/known-device.entity.js';
import { EmailTokenSchema } from '../modules/mail/email-token.entity.js';
import { RecoveryCodeSchema, TotpCredentialSchema } from '../modules/mfa/mfa.entity.js';
import { PasskeySchema, WebAuthnChallengeSchema } from '../modules/passkey/passkey.entity.js';
import { RateEventSchema } from '../modules/ratelimit/rate-event.entity.js';
import { SessionSchema } from '../modules/session/session.entity.js';
import { ApiTokenSchema } from '../modules/token/api-token.entity.js';
import { UserSchema } from '../modules/user/user.entity.js';

export const entities = [
  UserSchema,
  SessionSchema,
  ImageSchema,
  ApiTokenSchema,
  RateEventSchema,
  AuditEventSchema,
  EmailTokenSchema,
  AlbumSchema,
  AlbumImageSchema,
  TotpCredentialSchema,
  RecoveryCodeSchema,
  KnownDeviceSchema,
  PasskeySchema,
  WebAuthnChallengeSchema,
  EmailChangeSchema,
];
