import 'reflect-metadata';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadEnv } from './config/env.js';
import { openDatabase } from './db/orm.js';
import { createLogger } from './logger.js';
import { openBlobStore } from './storage/open-blob-store.js';
import { KeyProvider } from './crypto/key-provider.js';
import { Scheduler } from './maintenance/scheduler.js';

/** env → ORM (+ migrations) → createApp → listen; graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(env);
  const orm = await openDatabase(env);
  const keys = await KeyProvider.open({
    masterKey: env.masterKey,
    masterKeyFile: env.masterKeyFile,
    previousKeys: env.previousMasterKeys,
    dataDir: env.dataDir,
  });
  if (keys.generated) {
    log.warn(
      { keyFile: keys.file },
      `A new master key was generated at ${keys.file}. BACK IT UP NOW and keep it apart from the data: without it no stored image can ever be decrypted.`,
    );
  }
  const blobs = openBlobStore(env);
  await blobs.init(env.orphanGraceMs);
  const { app, tasks, stop } = await createApp({ env, orm, log, blobs, keys });
  // What a crash or an expiry left behind goes before the first request, then periodically.
  const scheduler = new Scheduler(orm, log, tasks);
  await scheduler.runAll();
  scheduler.start();

  const server: Server = app.listen(env.port, env.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : env.port;
    log.info(
      { port, database: env.database.kind, blobStore: env.blobStore.kind, dataDir: env.dataDir },
      `Lockframe is listening on ${env.publicUrl ?? `http://localhost:${port}`}`,
    );
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    // Requests in flight finish; keep-alive connections close as soon as they go idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(async () => {
      clearInterval(sweep);
      await scheduler.stop();
      await stop();
      await orm.close();
      blobs.close();
      log.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('Lockframe failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
