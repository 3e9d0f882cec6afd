import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Files that must run alone, after everything else: they time themselves or measure memory, race
 * a kill against the server's own writes, start whole server processes through tsx (seconds of
 * CPU each, against the test timeout), or drive a browser. Another file's load would make them
 * flaky rather than wrong.
 */
const ALONE = [
  'test/e2e/**/*.test.ts',
  'test/unit/imaging.test.ts', // decode time and RSS bounds
  'test/unit/metadata.test.ts', // parse time and buffer-memory bounds
  'test/integration/password-policy.test.ts', // a policy check must answer within a second
  'test/integration/upload-admission.test.ts', // one-second stall timeouts
  'test/integration/crash.test.ts', // SIGKILL lands while files are half written
  'test/integration/full-disk.test.ts', // mounts a tmpfs and fills it; every request has a 5 s limit
  'test/integration/s3-crash.test.ts', // SIGKILL lands mid-upload
  // Server processes of their own:
  'test/integration/brute-force.test.ts',
  'test/integration/multipart.test.ts',
  'test/integration/restart.test.ts',
  'test/integration/rotation.test.ts',
  'test/integration/startup.test.ts',
];

export default defineConfig({
  resolve: {
    // Node loads graphql's CJS build for Apollo and type-graphql; make vitest use the same one.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default on 2 cores is one worker. Every file starts its own server on a random port
    // with its own temp DATA_DIR and MariaDB database (test/support), so files may share the machine.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: ALONE } },
      { extends: true, test: { name: 'medium', include: ['test/medium/**/*.test.ts'], exclude: ALONE } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], exclude: ALONE } },
      // One worker and the default group order: vitest runs this group after the parallel one.
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false } },
    ],
  },
});
