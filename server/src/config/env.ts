import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The only reader of process.env. Every setting is validated once at start; a bad value
 * stops the server with a message that names the variable.
 */
const MiB = 1024 * 1024;

const intFrom = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const boolFrom = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  /** Port to listen on. */
  PORT: intFrom(0, 65535).default(3000),
  /** Interface to bind. */
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  /** Public base URL; https here makes cookies Secure. */
  PUBLIC_URL: z
    .string()
    .trim()
    .url('must be an absolute URL such as https://photos.example.com')
    .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
    .optional(),
  /** Folder for the embedded database, the blobs and the generated key file. */
  DATA_DIR: z.string().trim().min(1).default('./data'),
  /** mysql://user:pass@host:3306/db (or mariadb://…). Unset: embedded SQLite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .trim()
    .refine((u) => /^(mysql|mariadb):\/\/[^/]+\/[A-Za-z0-9_$-]+(\?.*)?$/.test(u), {
      message: 'must look like mysql://user:password@host:3306/database',
    })
    .optional(),
  /** Base64 of 32 random bytes. Wraps every image key. */
  LOCKFRAME_MASTER_KEY: z
    .string()
    .trim()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be base64 of exactly 32 bytes')
    .optional(),
  /** Path of a file holding the master key (alternative to LOCKFRAME_MASTER_KEY). */
  LOCKFRAME_MASTER_KEY_FILE: z.string().trim().min(1).optional(),
  /** Comma-separated base64 keys that may still unwrap (never wrap) data keys, during a rotation. */
  LOCKFRAME_PREVIOUS_MASTER_KEYS: z.string().trim().optional(),
  /** Where the (sealed) image blobs live: `local` (DATA_DIR/blobs) or `s3` (a bucket; the S3_* settings). */
  BLOB_STORE: z.enum(['local', 's3']).default('local'),
  /** S3 API address for a store other than AWS (MinIO, Garage…), e.g. http://127.0.0.1:9000. Unset: AWS S3. */
  S3_ENDPOINT: z
    .string()
    .trim()
    .url('must be an absolute URL such as https://s3.example.com')
    .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
    .optional(),
  /** Region to sign requests for; most non-AWS stores accept any (Garage: its s3_region, often "garage"). */
  S3_REGION: z.string().trim().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a region name such as us-east-1').default('us-east-1'),
  /** The bucket; it must exist. */
  S3_BUCKET: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lowercase letters, digits, dots and hyphens)')
    .optional(),
  /** Credentials; both or neither (neither: the AWS SDK's own chain, e.g. an instance role). Never logged. */
  S3_ACCESS_KEY_ID: z.string().trim().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().trim().min(1).optional(),
  /** Path-style addresses (endpoint/bucket/key) instead of bucket.endpoint; default on whenever S3_ENDPOINT is set. */
  S3_FORCE_PATH_STYLE: boolFrom.optional(),
  /** Stored files with no image row are removed at start once they are this old (crash leftovers). */
  ORPHAN_GRACE_SECONDS: intFrom(0, 7 * 86_400).default(600),
  /** Largest accepted upload in bytes (inclusive). */
  MAX_UPLOAD_BYTES: intFrom(1, 1024 * MiB).default(5 * MiB),
  /** Memory for upload bodies being read, over all requests (default: 128 MiB or 4 uploads, whichever is more). */
  UPLOAD_MEMORY_BYTES: intFrom(MiB, 64 * 1024 * MiB).optional(),
  /** An upload body that sends nothing for this many seconds is cut. */
  UPLOAD_STALL_SECONDS: intFrom(1, 300).default(10),
  /** Largest accepted image in pixels, every animation frame counted. */
  MAX_IMAGE_PIXELS: intFrom(1, 1_000_000_000).default(40_000_000),
  /** Most animation frames accepted. */
  MAX_IMAGE_FRAMES: intFrom(1, 10_000).default(200),
  /** Most pixel operations one image may need (frames × pixels × passes). Default: 6 × MAX_IMAGE_PIXELS. */
  MAX_IMAGE_WORK: intFrom(1, Number.MAX_SAFE_INTEGER).optional(),
  /** Decoded pixels, in bytes, all image decodes may hold at once; a heavier image runs alone. */
  IMAGE_MEMORY_BYTES: intFrom(16 * MiB, 64 * 1024 * MiB).default(512 * MiB),
  /** Uploads one account may make per hour. */
  UPLOADS_PER_HOUR: intFrom(1, 1_000_000).default(600),
  /** Uploads from one client address (an IPv6 /64) per hour, all its accounts together. */
  UPLOADS_PER_IP_PER_HOUR: intFrom(1, 1_000_000).default(600),
  /** smtp://user:pass@host:port for account mails; without it they go to DATA_DIR/outbox. */
  SMTP_URL: z.string().trim().url().optional(),
  MAIL_FROM: z.string().trim().min(3).default('Lockframe <no-reply@localhost>'),
  /** Express trust proxy setting: false, true, a hop count or a list of addresses. */
  TRUST_PROXY: z.string().trim().default('false'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Serve the GraphQL playground at /playground. Default: on except in production. */
  PLAYGROUND: boolFrom.optional(),
  /** classic: 12+ chars with upper, lower, digit and symbol; nist: 15+ chars, no composition rules. */
  PASSWORD_POLICY: z.enum(['classic', 'nist']).default('classic'),
  /** Unverified accounts may log in but not upload. Default: on whenever SMTP_URL is set. */
  REQUIRE_EMAIL_VERIFICATION: boolFrom.optional(),
  /** GraphQL introspection. Default: on except in production. */
  GRAPHQL_INTROSPECTION: boolFrom.optional(),
  /** New accounts one client address may create per hour. */
  REGISTRATIONS_PER_IP_PER_HOUR: intFrom(1, 100_000).default(10),
  /** Security events are kept this many days. */
  AUDIT_RETENTION_DAYS: intFrom(1, 36_500).default(365),
  /** Trashed images are deleted for good after this many days (checked hourly). */
  TRASH_RETENTION_DAYS: intFrom(1, 36_500).default(30),
  /** Session idle timeout and absolute lifetime, in hours. */
  SESSION_IDLE_HOURS: intFrom(1, 24 * 365).default(24 * 7),
  SESSION_MAX_HOURS: intFrom(1, 24 * 365).default(24 * 30),
  /** Storage quota in bytes (originals plus their variants) for accounts created from now on. Unset: no quota. */
  DEFAULT_QUOTA_BYTES: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
  /** Folder of the built web client. */
  CLIENT_DIR: z.string().trim().min(1).optional(),
});

export type RawEnv = z.infer<typeof schema>;

export interface Env {
  port: number;
  host: string;
  publicUrl: string | undefined;
  secureCookies: boolean;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'mysql' | 'mariadb'; url: string };
  masterKey: string | undefined;
  masterKeyFile: string | undefined;
  previousMasterKeys: string[];
  blobStore: { kind: 'local'; dir: string } | ({ kind: 's3' } & S3Env);
  orphanGraceMs: number;
  maxUploadBytes: number;
  /** Upload memory budget for the process; one account may hold half of it. */
  uploadMemoryBytes: number;
  uploadStallMs: number;
  maxImagePixels: number;
  maxImageFrames: number;
  /** Unset: the image pipeline's default, 6 × maxImagePixels. */
  maxImageWork: number | undefined;
  imageMemoryBytes: number;
  uploadsPerHour: number;
  uploadsPerIpPerHour: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  trustProxy: boolean | number | string;
  logLevel: RawEnv['LOG_LEVEL'];
  nodeEnv: RawEnv['NODE_ENV'];
  playground: boolean;
  passwordPolicy: RawEnv['PASSWORD_POLICY'];
  registrationsPerIpPerHour: number;
  requireEmailVerification: boolean;
  introspection: boolean;
  auditRetentionDays: number;
  trashRetentionDays: number;
  sessionIdleMs: number;
  sessionMaxMs: number;
  defaultQuotaBytes: number | null;
  clientDir: string | undefined;
}

export interface S3Env {
  endpoint: string | undefined;
  region: string;
  bucket: string;
  /** Undefined: the AWS SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

const S3_VARS = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE'] as const;

function blobStoreOf(raw: RawEnv, dataDir: string): Env['blobStore'] {
  if (raw.BLOB_STORE === 'local') {
    const stray = S3_VARS.filter((name) => raw[name] !== undefined);
    if (stray.length) throw new ConfigError([`${stray.join(', ')}: set only with BLOB_STORE=s3 (BLOB_STORE is local)`]);
    return { kind: 'local', dir: path.join(dataDir, 'blobs') };
  }
  const problems: string[] = [];
  if (!raw.S3_BUCKET) problems.push('S3_BUCKET: required with BLOB_STORE=s3');
  if (!raw.S3_ACCESS_KEY_ID !== !raw.S3_SECRET_ACCESS_KEY) {
    problems.push(`${raw.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'}: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither`);
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    kind: 's3',
    endpoint: raw.S3_ENDPOINT,
    region: raw.S3_REGION,
    bucket: raw.S3_BUCKET!,
    credentials:
      raw.S3_ACCESS_KEY_ID && raw.S3_SECRET_ACCESS_KEY ? { accessKeyId: raw.S3_ACCESS_KEY_ID, secretAccessKey: raw.S3_SECRET_ACCESS_KEY } : undefined,
    forcePathStyle: raw.S3_FORCE_PATH_STYLE ?? raw.S3_ENDPOINT !== undefined,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * Reads `.env` (if present) under the real environment, which wins. Relative paths are taken
 * from where the user ran npm (INIT_CWD), not from the workspace folder npm switches to.
 */
export function readEnvSources(cwd = process.env.INIT_CWD ?? process.cwd()): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}

export function loadEnv(source: Record<string, string | undefined> = readEnvSources()): Env {
  // Empty strings mean "unset", as most deployment tools write them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  const raw = result.data;
  if (raw.LOCKFRAME_MASTER_KEY && raw.LOCKFRAME_MASTER_KEY_FILE) {
    throw new ConfigError(['LOCKFRAME_MASTER_KEY and LOCKFRAME_MASTER_KEY_FILE: set only one of them']);
  }
  if (raw.SESSION_IDLE_HOURS > raw.SESSION_MAX_HOURS) {
    throw new ConfigError(['SESSION_IDLE_HOURS: must not exceed SESSION_MAX_HOURS']);
  }
  const uploadMemoryBytes = raw.UPLOAD_MEMORY_BYTES ?? Math.max(128 * MiB, 4 * raw.MAX_UPLOAD_BYTES);
  // One account may hold half the budget, and that half must fit at least one whole upload.
  if (uploadMemoryBytes / 2 < raw.MAX_UPLOAD_BYTES + MiB) {
    throw new ConfigError(['UPLOAD_MEMORY_BYTES: must be at least twice MAX_UPLOAD_BYTES plus 2 MiB (one account may use half of it)']);
  }
  const base = source.INIT_CWD ?? process.cwd();
  const dataDir = path.resolve(base, raw.DATA_DIR);
  const url = raw.DATABASE_URL;
  return {
    port: raw.PORT,
    host: raw.HOST,
    publicUrl: raw.PUBLIC_URL?.replace(/\/+$/, ''),
    secureCookies: raw.PUBLIC_URL?.startsWith('https://') ?? false,
    dataDir,
    database: url
      ? { kind: url.startsWith('mariadb://') ? 'mariadb' : 'mysql', url }
      : { kind: 'sqlite', file: path.join(dataDir, 'lockframe.sqlite') },
    masterKey: raw.LOCKFRAME_MASTER_KEY,
    masterKeyFile: raw.LOCKFRAME_MASTER_KEY_FILE ? path.resolve(base, raw.LOCKFRAME_MASTER_KEY_FILE) : undefined,
    previousMasterKeys: (raw.LOCKFRAME_PREVIOUS_MASTER_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    blobStore: blobStoreOf(raw, dataDir),
    orphanGraceMs: raw.ORPHAN_GRACE_SECONDS * 1000,
    maxUploadBytes: raw.MAX_UPLOAD_BYTES,
    uploadMemoryBytes,
    uploadStallMs: raw.UPLOAD_STALL_SECONDS * 1000,
    maxImagePixels: raw.MAX_IMAGE_PIXELS,
    maxImageFrames: raw.MAX_IMAGE_FRAMES,
    maxImageWork: raw.MAX_IMAGE_WORK,
    imageMemoryBytes: raw.IMAGE_MEMORY_BYTES,
    uploadsPerHour: raw.UPLOADS_PER_HOUR,
    uploadsPerIpPerHour: raw.UPLOADS_PER_IP_PER_HOUR,
    smtpUrl: raw.SMTP_URL,
    mailFrom: raw.MAIL_FROM,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    logLevel: raw.LOG_LEVEL,
    nodeEnv: raw.NODE_ENV,
    playground: raw.PLAYGROUND ?? raw.NODE_ENV !== 'production',
    passwordPolicy: raw.PASSWORD_POLICY,
    registrationsPerIpPerHour: raw.REGISTRATIONS_PER_IP_PER_HOUR,
    requireEmailVerification: raw.REQUIRE_EMAIL_VERIFICATION ?? !!raw.SMTP_URL,
    introspection: raw.GRAPHQL_INTROSPECTION ?? raw.NODE_ENV !== 'production',
    auditRetentionDays: raw.AUDIT_RETENTION_DAYS,
    trashRetentionDays: raw.TRASH_RETENTION_DAYS,
    sessionIdleMs: raw.SESSION_IDLE_HOURS * 3_600_000,
    sessionMaxMs: raw.SESSION_MAX_HOURS * 3_600_000,
    defaultQuotaBytes: raw.DEFAULT_QUOTA_BYTES ?? null,
    clientDir: raw.CLIENT_DIR ? path.resolve(base, raw.CLIENT_DIR) : undefined,
  };
}
