import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createServer } from 'node:net';

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Sends a signal and waits for the exit; returns the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface SpawnOptions {
  /** Flags for node itself, e.g. --trace-gc. */
  nodeArgs?: string[];
  /** Run the compiled server as `npm start` does (dist/start.js, with its runtime settings) instead of src/main.ts through tsx. */
  built?: boolean;
}

/** Starts the real server as its own process and waits until it answers. */
export async function spawnServer(vars: Record<string, string>, { nodeArgs = [], built = false }: SpawnOptions = {}): Promise<ServerProcess> {
  // A caller that must know the port first (for PUBLIC_URL) picks it.
  const port = vars.PORT ? Number(vars.PORT) : await freePort();
  let out = '';
  if (built && !existsSync(path.join(SERVER_DIR, 'dist/start.js'))) {
    throw new Error('the compiled server is missing: run `npm run build` first (npm test does)');
  }
  const entry = built ? [path.join(SERVER_DIR, 'dist/start.js')] : ['--import', 'tsx', path.join(SERVER_DIR, 'src/main.ts')];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REGISTRATIONS_PER_IP_PER_HOUR: '100000',
      ...vars,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the server's command-line tools (src/cli/<name>.ts) as its own process with `vars` as its whole environment; `stdin` is piped in. */
export function runCli(name: string, vars: Record<string, string>, args: readonly string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${name}.ts`, ...args], {
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
