import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { freePort } from './process.js';

/**
 * A real S3 API server (s3rver) in this process, on a loopback port, storing in a temp folder.
 * stop() and start() take it down and bring it back on the same port and data, as an outage would.
 */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** The server's BLOB_STORE=s3 settings for this bucket. */
  vars: Record<string, string>;
  /** Every object in the bucket, key → bytes, read through the S3 API. */
  objects(): Promise<Map<string, Buffer>>;
  /** Every object key in the bucket (a listing only). */
  keys(): Promise<string[]>;
  /** Writes an object behind the server's back (another tool sharing the bucket, or an attacker). */
  putRaw(key: string, body: Buffer): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

export async function startS3(bucket = `lf-${randomBytes(4).toString('hex')}`): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'lockframe-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let server: S3rver | null = null;
  const start = async () => {
    server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] });
    await server.run();
  };
  const stop = async () => {
    await server?.close();
    server = null;
  };
  await start();
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const keys = async () => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const { Key } of page.Contents ?? []) found.push(Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  };
  return {
    endpoint,
    bucket,
    vars: {
      BLOB_STORE: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    keys,
    async objects() {
      const found = new Map<string, Buffer>();
      for (const Key of await keys()) {
        const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        found.set(Key, Buffer.from(await body.Body!.transformToByteArray()));
      }
      return found;
    },
    async putRaw(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    stop,
    start,
    async close() {
      client.destroy();
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
