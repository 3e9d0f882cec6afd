// Runs scripts/build-if-stale.mjs on a temporary copy of the monorepo's layout whose three
// workspaces have tiny real build scripts that log each build, so what was rebuilt is observed,
// not assumed. Run with `node --test scripts/` (part of `npm test`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';

const SCRIPT = path.join(import.meta.dirname, 'build-if-stale.mjs');

// Each fake build logs its name, fails when a FAIL file exists, and writes its output the way
// the real one does: tsc adds to dist/, vite empties build/ first. Common's output is its
// src/index.ts, so what client and server consume changes only when that file does.
const BUILDS = {
  common: `mkdirSync('dist', { recursive: true }); copyFileSync('src/index.ts', 'dist/index.js');`,
  client: `rmSync('build', { recursive: true, force: true }); mkdirSync('build'); writeFileSync('build/index.html', 'app');`,
  server: `mkdirSync('dist', { recursive: true }); writeFileSync('dist/start.js', 'server');`,
};

function makeRepo() {
  const root = mkdtempSync(path.join(tmpdir(), 'lockframe-build-if-stale-'));
  mkdirSync(path.join(root, 'scripts'));
  copyFileSync(SCRIPT, path.join(root, 'scripts/build-if-stale.mjs'));
  writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}');
  // A stand-in for npm that runs `npm run build` as npm would, without npm's second of start-up.
  mkdirSync(path.join(root, 'bin'));
  writeFileSync(path.join(root, 'bin/npm'), `#!/bin/sh\n[ "$*" = "run build" ] || exit 64\nexec "${process.execPath}" build.mjs\n`, { mode: 0o755 });
  for (const [name, body] of Object.entries(BUILDS)) {
    const dir = path.join(root, name);
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, scripts: { build: 'node build.mjs' } }));
    writeFileSync(path.join(dir, 'tsconfig.json'), '{}');
    writeFileSync(path.join(dir, 'src/index.ts'), `export const name = '${name}';\n`);
    writeFileSync(
      path.join(dir, 'build.mjs'),
      `import { appendFileSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
appendFileSync('../builds.log', '${name}\\n');
if (existsSync('FAIL')) process.exit(3);
${body}
`,
    );
  }
  return root;
}

describe('build-if-stale', () => {
  const roots = [];
  let root;
  const file = (rel) => path.join(root, rel);
  /** Runs the script; returns its exit code and the workspaces built during this run. */
  const run = (...args) => {
    rmSync(file('builds.log'), { force: true });
    const res = spawnSync(process.execPath, [file('scripts/build-if-stale.mjs'), ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${file('bin')}${path.delimiter}${process.env.PATH}` },
    });
    const built = existsSync(file('builds.log')) ? readFileSync(file('builds.log'), 'utf8').split('\n').filter(Boolean) : [];
    return { status: res.status, built, output: res.stdout + res.stderr };
  };

  beforeEach(() => {
    root = makeRepo();
    roots.push(root);
    assert.deepEqual(run().built, ['common', 'client', 'server']);
  });
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('builds everything on a fresh checkout, in dependency order, then nothing when nothing changed', () => {
    for (const stamp of ['common/dist/.build-stamp', 'client/build/.build-stamp', 'server/dist/.build-stamp']) {
      assert.match(readFileSync(file(stamp), 'utf8'), /^inputs [0-9a-f]{64}\noutput [0-9a-f]{64}\n$/);
    }
    const again = run();
    assert.equal(again.status, 0);
    assert.deepEqual(again.built, []);
    assert.match(again.output, /server is up to date/);
  });

  it('rebuilds only the workspace whose source, config or package.json changed', () => {
    appendFileSync(file('client/src/index.ts'), '// edited\n');
    assert.deepEqual(run().built, ['client']);
    writeFileSync(file('server/src/new-module.ts'), 'export {};\n');
    assert.deepEqual(run().built, ['server']);
    rmSync(file('server/src/new-module.ts'));
    assert.deepEqual(run().built, ['server']);
    writeFileSync(file('client/tsconfig.json'), '{ "compilerOptions": {} }');
    assert.deepEqual(run().built, ['client']);
    rmSync(file('server/tsconfig.json'));
    assert.deepEqual(run().built, ['server']);
    writeFileSync(file('common/package.json'), readFileSync(file('common/package.json'), 'utf8') + '\n');
    assert.deepEqual(run().built, ['common']);
    assert.deepEqual(run().built, []);
  });

  it('rebuilds client and server when the built common they compile against changes, and not when it stays the same', () => {
    appendFileSync(file('common/src/index.ts'), 'export const more = 1;\n');
    assert.deepEqual(run().built, ['common', 'client', 'server']);
    // A common source that does not reach its output (here: not copied) leaves the others alone.
    writeFileSync(file('common/src/notes.txt'), 'not built\n');
    assert.deepEqual(run().built, ['common']);
  });

  it('rebuilds everything when the lock file changes', () => {
    writeFileSync(file('package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    assert.deepEqual(run().built, ['common', 'client', 'server']);
  });

  it('rebuilds a workspace whose output is missing, was built without a stamp or was changed since', () => {
    rmSync(file('client/build'), { recursive: true });
    assert.deepEqual(run().built, ['client']);
    rmSync(file('server/dist/.build-stamp'));
    const res = run();
    assert.deepEqual(res.built, ['server']);
    assert.match(res.output, /building server \(built without a stamp\)/);
    writeFileSync(file('server/dist/start.js'), 'edited by hand');
    assert.deepEqual(run().built, ['server']);
    // What client and server compile against changed too.
    writeFileSync(file('common/dist/stray.js'), '');
    assert.deepEqual(run().built, ['common', 'client', 'server']);
  });

  it('stops at a failed build and tries it again next time, never trusting its half-written output', () => {
    appendFileSync(file('common/src/index.ts'), 'export const broken = 1;\n');
    writeFileSync(file('common/FAIL'), '');
    const failed = run();
    assert.equal(failed.status, 3);
    assert.deepEqual(failed.built, ['common']);
    assert.match(failed.output, /building common failed/);
    assert.equal(existsSync(file('common/dist/.build-stamp')), false);
    rmSync(file('common/FAIL'));
    assert.deepEqual(run().built, ['common', 'client', 'server']);
  });

  it('builds a named workspace with what it needs only, and everything with --always', () => {
    appendFileSync(file('common/src/index.ts'), 'export const more = 1;\n');
    assert.deepEqual(run('server').built, ['common', 'server']);
    assert.deepEqual(run('--always', 'server').built, ['common', 'server']);
    assert.deepEqual(run('--always').built, ['common', 'client', 'server']);
    assert.deepEqual(run().built, []);
    const unknown = run('nope');
    assert.equal(unknown.status, 1);
    assert.match(unknown.output, /unknown workspace "nope"/);
  });
});
