import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/logger.js';
import { systemScope } from '../../src/scope.js';
import type { TestServer } from './server.js';

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin command line as its own process with the server's settings; `stdin` is piped in. */
export function runAdminCli(vars: Record<string, string>, args: string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...vars },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Makes an account an administrator in-process, as `admin promote` does (the CLI spec runs the real tool). */
export async function promote(server: TestServer, username: string): Promise<void> {
  await server.app.services.admin.promote(systemScope(server.orm.em.fork(), createLogger({ logLevel: 'silent' }), 'test'), username);
}
