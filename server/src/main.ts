import 'reflect-metadata';
import path from 'node:path';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadEnv } from './config/env.js';
import { openDatabase } from './db/orm.js';
import { createLogger } from './logger.js';
import { BlobStore } from './storage/blob-store.js';

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
  const blobs = new BlobStore(path.join(env.dataDir, 'blobs'));
  await blobs.init();
  const { app, services, stop } = await createApp({ env, orm, log, blobs });
  await services.sessions.purgeExpired(orm.em.fork());

  const server: Server = app.listen(env.port, env.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : env.port;
    log.info(
      { port, database: env.database.kind, dataDir: env.dataDir },
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
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close(async () => {
      await stop();
      await orm.close();
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
