import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../src/config/env.js';
import { unsupportedNode } from '../../src/config/runtime.js';

describe('config/env', () => {
  it('has working defaults: embedded SQLite under ./data, port 3000, 5 MiB, 40 MP', () => {
    const env = loadEnv({});
    expect(env.port).toBe(3000);
    expect(env.database).toEqual({ kind: 'sqlite', file: expect.stringMatching(/data\/lockframe\.sqlite$/) });
    expect(env.maxUploadBytes).toBe(5 * 1024 * 1024);
    expect(env.maxImagePixels).toBe(40_000_000);
    expect(env.secureCookies).toBe(false);
    expect(env.playground).toBe(true);
  });

  it('budgets image work and upload rates, with defaults and overrides', () => {
    const env = loadEnv({});
    expect([env.maxImageWork, env.imageMemoryBytes]).toEqual([undefined, 512 * 1024 * 1024]);
    expect([env.uploadsPerHour, env.uploadsPerIpPerHour]).toEqual([600, 600]);
    const set = loadEnv({ MAX_IMAGE_WORK: '1000', IMAGE_MEMORY_BYTES: String(64 * 1024 * 1024), UPLOADS_PER_HOUR: '5', UPLOADS_PER_IP_PER_HOUR: '9' });
    expect([set.maxImageWork, set.imageMemoryBytes, set.uploadsPerHour, set.uploadsPerIpPerHour]).toEqual([1000, 64 * 1024 * 1024, 5, 9]);
  });

  it('picks the driver from the URL scheme', () => {
    expect(loadEnv({ DATABASE_URL: 'mysql://u:p@db:3306/lockframe' }).database.kind).toBe('mysql');
    expect(loadEnv({ DATABASE_URL: 'mariadb://u:p@db:3306/lockframe' }).database.kind).toBe('mariadb');
  });

  it('makes cookies Secure behind an https PUBLIC_URL and turns the playground off in production', () => {
    const env = loadEnv({ PUBLIC_URL: 'https://photos.example.com/', NODE_ENV: 'production' });
    expect(env.secureCookies).toBe(true);
    expect(env.publicUrl).toBe('https://photos.example.com');
    expect(env.playground).toBe(false);
    expect(loadEnv({ NODE_ENV: 'production', PLAYGROUND: 'true' }).playground).toBe(true);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'postgres://x/y'],
    ['DATABASE_URL', 'mysql://host-without-db'],
    ['MAX_UPLOAD_BYTES', '-1'],
    ['MAX_UPLOAD_BYTES', '5MB'],
    ['MAX_IMAGE_PIXELS', '0'],
    ['MAX_IMAGE_WORK', '0'],
    ['IMAGE_MEMORY_BYTES', '1024'],
    ['UPLOADS_PER_HOUR', '0'],
    ['UPLOADS_PER_IP_PER_HOUR', 'lots'],
    ['PUBLIC_URL', 'photos.example.com'],
    ['LOCKFRAME_MASTER_KEY', 'dG9vIHNob3J0'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['PLAYGROUND', 'maybe'],
    ['BLOB_STORE', 'ftp'],
    ['S3_ENDPOINT', 'minio:9000'],
    ['S3_REGION', 'us east'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
  });

  it('keeps blobs on the local disk by default and in a bucket with BLOB_STORE=s3', () => {
    expect(loadEnv({ DATA_DIR: '/srv/lf' }).blobStore).toEqual({ kind: 'local', dir: '/srv/lf/blobs' });
    const s3 = { BLOB_STORE: 's3', S3_BUCKET: 'photos', S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', S3_SECRET_ACCESS_KEY: 'secret-value' };
    expect(loadEnv(s3).blobStore).toEqual({
      kind: 's3',
      endpoint: undefined,
      region: 'us-east-1',
      bucket: 'photos',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-value' },
      forcePathStyle: false,
    });
    // A store of one's own usually wants path-style addresses; it can be turned off.
    expect(loadEnv({ ...s3, S3_ENDPOINT: 'http://127.0.0.1:9000' }).blobStore).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(loadEnv({ ...s3, S3_ENDPOINT: 'https://s3.example.com', S3_FORCE_PATH_STYLE: 'false' }).blobStore).toMatchObject({ forcePathStyle: false });
    // Neither key: the SDK's own credential chain (an instance role).
    expect(loadEnv({ BLOB_STORE: 's3', S3_BUCKET: 'photos' }).blobStore).toMatchObject({ credentials: undefined });
  });

  it.each([
    [{ BLOB_STORE: 's3' }, /S3_BUCKET: required with BLOB_STORE=s3/],
    [{ BLOB_STORE: 's3', S3_BUCKET: 'Not_A_Bucket' }, /S3_BUCKET: must be a bucket name/],
    [{ BLOB_STORE: 's3', S3_BUCKET: 'photos', S3_ACCESS_KEY_ID: 'AKID' }, /S3_SECRET_ACCESS_KEY: set both/],
    [{ BLOB_STORE: 's3', S3_BUCKET: 'photos', S3_SECRET_ACCESS_KEY: 'hunter2-secret' }, /S3_ACCESS_KEY_ID: set both/],
    [{ S3_BUCKET: 'photos', S3_SECRET_ACCESS_KEY: 'hunter2-secret' }, /S3_BUCKET, S3_SECRET_ACCESS_KEY: set only with BLOB_STORE=s3/],
    [{ BLOB_STORE: 's3', S3_BUCKET: 'photos', S3_FORCE_PATH_STYLE: 'sometimes', S3_SECRET_ACCESS_KEY: 'hunter2-secret', S3_ACCESS_KEY_ID: 'A' }, /S3_FORCE_PATH_STYLE/],
  ])('refuses an incomplete S3 setup (%j) naming the variable, never echoing the secret', (vars, message) => {
    const error = (() => {
      try {
        loadEnv(vars as Record<string, string>);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain('hunter2-secret');
  });

  it('refuses both master key settings at once', () => {
    expect(() =>
      loadEnv({ LOCKFRAME_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), LOCKFRAME_MASTER_KEY_FILE: '/k' }),
    ).toThrow(/LOCKFRAME_MASTER_KEY/);
  });
});

describe('unsupportedNode', () => {
  it('accepts 22.17 and newer, and names the version it refuses', () => {
    for (const ok of ['v22.17.0', 'v22.20.1', 'v23.0.0', 'v24.21.0', '30.1.2']) expect(unsupportedNode(ok)).toBeNull();
    for (const old of ['v22.16.9', 'v20.20.2', 'v18.0.0', 'v0.10.48', 'nonsense']) {
      expect(unsupportedNode(old)).toBe(`Lockframe needs Node.js 22.17 or newer; this is ${old}. See the README's Quick start.`);
    }
  });
});
