import path from 'node:path';
import { BackgroundJobs } from './background.js';
import type { Env } from './config/env.js';
import type { KeyProvider } from './crypto/key-provider.js';
import type { ImageLimits } from './imaging/process.js';
import { WorkQueue } from './imaging/queue.js';
import type { Logger } from './logger.js';
import { AlbumRepository } from './modules/album/album.repository.js';
import { AlbumService } from './modules/album/album.service.js';
import { AdminRepository } from './modules/admin/admin.repository.js';
import { AdminService } from './modules/admin/admin.service.js';
import { EmailChangeService } from './modules/lifecycle/email-change.service.js';
import { ExportService } from './modules/lifecycle/export.service.js';
import { DeletionService } from './modules/lifecycle/deletion.service.js';
import { AuditService } from './modules/audit/audit.service.js';
import { ImageRepository } from './modules/image/image.repository.js';
import { ImageService } from './modules/image/image.service.js';
import { DeviceService } from './modules/device/device.service.js';
import { MfaService } from './modules/mfa/mfa.service.js';
import { PasskeyService } from './modules/passkey/passkey.service.js';
import { MailService } from './modules/mail/mail.service.js';
import { QuotaService } from './modules/quota/quota.service.js';
import { buildRules, RateLimitService } from './modules/ratelimit/rate-limit.service.js';
import { AuthService } from './modules/session/auth.service.js';
import { SessionService } from './modules/session/session.service.js';
import { ApiTokenService } from './modules/token/api-token.service.js';
import { AccountService } from './modules/user/account.service.js';
import type { PasswordPolicyName } from './modules/user/password-policy.js';
import { UserRepository } from './modules/user/user.repository.js';
import { UserService } from './modules/user/user.service.js';
import { AlbumPolicy, albumOwnerGrant } from './policies/album.policy.js';
import { AdminPolicy } from './policies/admin.policy.js';
import { ImagePolicy, ownerGrant } from './policies/image.policy.js';
import type { BlobStore } from './storage/blob-store.js';
import { SealedStore } from './storage/sealed-store.js';

/** What a client may know of this server's limits and policies: nothing secret. */
export interface PublicConfig {
  maxUploadBytes: number;
  maxImagePixels: number;
  passwordPolicy: PasswordPolicyName;
  emailVerificationRequired: boolean;
}

export interface ServiceDeps {
  env: Env;
  log: Logger;
  blobs: BlobStore;
  keys: KeyProvider;
}

/** Every service of the app, made once per process. Resolvers, routes and tasks take what they need from here. */
export interface Services {
  config: PublicConfig;
  users: UserService;
  sessions: SessionService;
  apiTokens: ApiTokenService;
  audit: AuditService;
  limits: RateLimitService;
  mail: MailService;
  accounts: AccountService;
  mfa: MfaService;
  passkeys: PasskeyService;
  auth: AuthService;
  admin: AdminService;
  quota: QuotaService;
  deletions: DeletionService;
  emailChanges: EmailChangeService;
  exports: ExportService;
  images: ImageService;
  imageRepository: ImageRepository;
  albums: AlbumService;
  store: SealedStore;
  queue: WorkQueue;
  /** Work a request starts and does not wait for (account mails). */
  jobs: BackgroundJobs;
}

/** The image sizes every upload is turned into. */
const DISPLAY_MAX_EDGE = 2560;
const THUMBNAIL_MAX_EDGE = 512;

/** The composition root of the services: every dependency is passed by name, nothing is looked up. */
export function createServices({ env, log, blobs, keys }: ServiceDeps): Services {
  const publicUrl = env.publicUrl ?? `http://localhost:${env.port}`;
  const users = new UserService(env.passwordPolicy, new UserRepository({ defaultQuotaBytes: env.defaultQuotaBytes }));
  const sessions = new SessionService({ idleMs: env.sessionIdleMs, maxMs: env.sessionMaxMs });
  const apiTokens = new ApiTokenService();
  const audit = new AuditService(env.auditRetentionDays);
  const limits = new RateLimitService(
    buildRules({ registrationsPerHour: env.registrationsPerIpPerHour, uploadsPerHour: env.uploadsPerHour, uploadsPerIpPerHour: env.uploadsPerIpPerHour }),
  );
  const mail = new MailService({ smtpUrl: env.smtpUrl, from: env.mailFrom, outboxDir: path.join(env.dataDir, 'outbox') }, log);
  const jobs = new BackgroundJobs();
  const accounts = new AccountService({ publicUrl, policy: env.passwordPolicy, sessions, apiTokens, mail, limits, audit, jobs });
  const mfa = new MfaService({ keys, limits, audit });
  const devices = new DeviceService({ publicUrl, mail, jobs });
  const passkeys = new PasskeyService({ publicUrl, users, audit });
  const auth = new AuthService({ users, sessions, apiTokens, accounts, mfa, devices, passkeys, limits, audit, jobs });
  const adminAccounts = new AdminRepository();
  const adminPolicy = new AdminPolicy();
  const admin = new AdminService({ accounts: adminAccounts, policy: adminPolicy, users, sessions, apiTokens, audit });
  const imageRepository = new ImageRepository();
  const quota = new QuotaService();
  const store = new SealedStore(blobs, keys);
  const queue = new WorkQueue({ budgetBytes: env.imageMemoryBytes });
  const emailChanges = new EmailChangeService({ publicUrl, users: new UserRepository(), mail, limits, audit, jobs });
  const deletions = new DeletionService({ accounts: adminAccounts, users: new UserRepository(), policy: adminPolicy, store, sessions, apiTokens, limits, audit });
  const limitsOfImages: ImageLimits = {
    maxPixels: env.maxImagePixels,
    maxFrames: env.maxImageFrames,
    ...(env.maxImageWork !== undefined ? { maxWork: env.maxImageWork } : {}),
    displayMaxEdge: DISPLAY_MAX_EDGE,
    thumbnailMaxEdge: THUMBNAIL_MAX_EDGE,
  };
  const albumRepository = new AlbumRepository();
  const albumPolicy = new AlbumPolicy([albumOwnerGrant(albumRepository)]);
  const images = new ImageService({
    images: imageRepository,
    policy: new ImagePolicy([ownerGrant(imageRepository)]),
    albums: albumPolicy,
    store,
    queue,
    audit,
    rateLimits: limits,
    maxUploadBytes: env.maxUploadBytes,
    limits: limitsOfImages,
    requireVerifiedEmail: env.requireEmailVerification,
    quota,
  });
  const albums = new AlbumService({ albums: albumRepository, policy: albumPolicy, images, store });
  return {
    config: {
      maxUploadBytes: env.maxUploadBytes,
      maxImagePixels: env.maxImagePixels,
      passwordPolicy: env.passwordPolicy,
      emailVerificationRequired: env.requireEmailVerification,
    },
    users,
    sessions,
    apiTokens,
    audit,
    limits,
    mail,
    accounts,
    mfa,
    passkeys,
    auth,
    admin,
    quota,
    deletions,
    emailChanges,
    exports: new ExportService({ images, imageRows: imageRepository, audit }),
    images,
    imageRepository,
    albums,
    store,
    queue,
    jobs,
  };
}
