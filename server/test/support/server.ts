import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { loadEnv, type Env } from '../../src/config/env.js';
import { openDatabase, type Orm } from '../../src/db/orm.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { openBlobStore } from '../../src/storage/open-blob-store.js';
import { KeyProvider } from '../../src/crypto/key-provider.js';
import { createLogger } from '../../src/logger.js';
import { createMysqlDatabase, type DbKind } from './databases.js';

export interface TestServer {
  url: string;
  env: Env;
  orm: Orm;
  dataDir: string;
  blobs: BlobStore;
  keys: KeyProvider;
  app: App;
  /** The environment variables the server was configured with (for child-process restarts). */
  vars: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The real app on a real port with a fresh database (SQLite in a temp DATA_DIR, or a new
 * MySQL/MariaDB database). Requests go over real HTTP.
 */
export interface TestServerOptions {
  /** Every log line (JSON, the server's own logger with its redaction) is pushed here, at debug level and up. */
  logLines?: string[];
}

export async function startTestServer(kind: DbKind, extra: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-test-'));
  const mysqlDb = kind === 'mysql' ? await createMysqlDatabase() : undefined;
  const vars: Record<string, string> = {
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CLIENT_DIR: path.join(dataDir, 'no-client'),
    // Specs register many users from 127.0.0.1; the rate-limit spec sets its own value.
    REGISTRATIONS_PER_IP_PER_HOUR: '100000',
    ...(mysqlDb ? { DATABASE_URL: mysqlDb.url } : {}),
    ...extra,
  };
  if (options.logLines) vars.LOG_LEVEL = 'debug';
  return serveApp(vars, options, async () => {
    await mysqlDb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
}

/**
 * The real app on a real port over an existing DATA_DIR and database, as a server started
 * again on them would find them (`vars` as for spawnServer). close() leaves the data.
 */
export function startTestServerOn(vars: Record<string, string>): Promise<TestServer> {
  return serveApp({ NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...vars }, {}, async () => {});
}

async function serveApp(vars: Record<string, string>, options: TestServerOptions, cleanup: () => Promise<void>): Promise<TestServer> {
  const env = loadEnv(vars);
  const dataDir = env.dataDir;
  const orm = await openDatabase(env);
  const blobs = openBlobStore(env);
  await blobs.init();
  const keys = await KeyProvider.open({
    masterKey: env.masterKey,
    masterKeyFile: env.masterKeyFile,
    previousKeys: env.previousMasterKeys,
    dataDir,
  });
  const lines = options.logLines;
  const destination = lines
    ? new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      })
    : undefined;
  const app = await createApp({ env, orm, log: createLogger(env, destination), blobs, keys });
  const server: Server = await new Promise((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    env,
    orm,
    dataDir,
    blobs,
    keys,
    app,
    vars,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.stop();
      await orm.close(true);
      blobs.close();
      await cleanup();
    },
  };
}

/** Rows in `images`, through the server's own connection: to check that a refused upload stored nothing. */
export async function imageRowCount(server: TestServer): Promise<number> {
  const rows = await server.orm.em.fork().getConnection().execute('select count(*) as n from images');
  return Number(rows[0].n);
}
