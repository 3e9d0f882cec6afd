import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
