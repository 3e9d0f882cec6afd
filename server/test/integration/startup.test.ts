import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, RUNTIME_ENV, unsupportedNode } from '../../src/config/runtime.js';
import { spawnServer } from '../support/process.js';

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

describe('starting the real server with bad configuration', () => {
  it('stops with exit code 2 and a message naming each bad variable, without a stack trace or side effects', () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'lockframe-cfg-')), 'data');
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: SERVER_DIR,
        env: { PATH: process.env.PATH ?? '', PORT: 'eighty', DATABASE_URL: 'postgres://x/y', DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('PORT: must be a whole number');
      expect(run.stderr).toContain('DATABASE_URL: must look like mysql://user:password@host:3306/database');
      expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
      // Nothing was created for a configuration that was refused.
      expect(() => readdirSync(dataDir)).toThrow();
    } finally {
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});

describe('npm start (dist/start.js)', () => {
  // /proc shows what a process really runs with; the CI machines are Linux.
  it.runIf(process.platform === 'linux')(
    're-executes as the same process with the runtime flags and defaults, keeping the operator’s own values and exit code',
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'lockframe-start-'));
      const server = await spawnServer(
        { DATA_DIR: dataDir, CLIENT_DIR: path.join(dataDir, 'no-client'), MALLOC_ARENA_MAX: '4', LOG_LEVEL: 'warn' },
        { built: true, nodeArgs: ['--max-semi-space-size=8'] },
      );
      try {
        const pid = server.child.pid!;
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        expect(argv.slice(1, 1 + NODE_FLAGS.length)).toEqual([...NODE_FLAGS]);
        // A flag given to `node dist/start.js` comes after the defaults, so it wins.
        expect(argv.slice(1 + NODE_FLAGS.length)).toEqual(['--max-semi-space-size=8', path.join(SERVER_DIR, 'dist/main.js')]);
        expect(environ).toContain('MALLOC_ARENA_MAX=4');
        expect(environ).toContain(`MALLOC_MMAP_THRESHOLD_=${RUNTIME_ENV.MALLOC_MMAP_THRESHOLD_}`);
        expect(environ).toContain(`UV_THREADPOOL_SIZE=${RUNTIME_ENV.UV_THREADPOOL_SIZE}`);
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        expect(await server.stop('SIGTERM')).toBe(0);
      } finally {
        await server.stop('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});

/** The machine's own node, when it is one the server does not support (Debian's Node 20 here). */
const olderNode = (() => {
  const run = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' });
  const version = run.status === 0 ? run.stdout.trim() : '';
  return version && unsupportedNode(version) ? { path: '/usr/bin/node', version } : null;
})();

describe('npm start on a Node.js that is too old', () => {
  it.runIf(olderNode)('stops at once with a message naming the versions, before anything is created', () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'lockframe-oldnode-')), 'data');
    try {
      const run = spawnSync(olderNode!.path, [path.join(SERVER_DIR, 'dist/start.js')], {
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(unsupportedNode(olderNode!.version));
      expect(() => readdirSync(dataDir)).toThrow();
    } finally {
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
