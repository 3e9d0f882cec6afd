import { createLogger } from '../../src/logger.js';
import { systemScope } from '../../src/scope.js';
import { runCli, type CliResult } from './process.js';
import type { TestServer } from './server.js';

/** Runs the admin command line (`npm run admin`) as its own process with the server's settings; `stdin` is piped in. */
export function runAdminCli(vars: Record<string, string>, args: string[], stdin = ''): Promise<CliResult> {
  return runCli('admin', vars, args, stdin);
}

/** Makes an account an administrator in-process, as `admin promote` does (the CLI spec runs the real tool). */
export async function promote(server: TestServer, username: string): Promise<void> {
  await server.app.services.admin.promote(systemScope(server.orm.em.fork(), createLogger({ logLevel: 'silent' }), 'test'), username);
}
