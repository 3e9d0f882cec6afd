#!/usr/bin/env node
// Builds the workspaces whose output is missing or older than their inputs, so `npm start`
// after no change serves in seconds instead of rebuilding everything.
//
//   node scripts/build-if-stale.mjs [--always] [workspace …]   (default: common client server)
//
// A workspace's inputs are hashed (sha256 over relative paths and bytes) together with the lock
// file and, for client and server, the built `common` they compile against. That hash and one of
// the output itself are kept in a stamp file inside the workspace's output folder, written only
// after a build succeeds and removed before one starts, so an interrupted or failed build, or
// output changed by hand, is redone next time. `--always`
// builds regardless and refreshes the stamps (`npm run build`, `npm test`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const STAMP = '.build-stamp';

/**
 * What each workspace's build reads and writes (paths relative to the workspace). `needs`: the
 * workspaces whose output it consumes, built first. `output`: the folder the build writes;
 * `marker`: a file inside it that a finished build always leaves.
 */
export const WORKSPACES = {
  common: {
    inputs: ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'],
    needs: [],
    output: 'dist',
    marker: 'index.js',
  },
  client: {
    inputs: ['src', 'static', 'scripts/harden-index.js', 'package.json', 'tsconfig.json', 'vite.config.ts'],
    needs: ['common'],
    output: 'build',
    marker: 'index.html',
  },
  server: {
    inputs: ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'],
    needs: ['common'],
    output: 'dist',
    marker: 'start.js',
  },
};

/** Files under `dir` (relative to it, sorted, '/'-separated), skipping `skip` names. */
function listFiles(dir, skip) {
  const out = [];
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** Adds a file or folder (missing counts too: deleting a config must rebuild) to the hash. */
function hashPath(hash, base, rel, skip = new Set(['node_modules'])) {
  const full = path.join(base, rel);
  if (!existsSync(full)) return hash.update(`missing ${rel}\0`);
  const files = statSync(full).isDirectory() ? listFiles(full, skip).map((f) => `${rel}/${f}`) : [rel];
  for (const file of files) {
    const bytes = readFileSync(path.join(base, file));
    hash.update(`${file}\0${bytes.length}\0`).update(bytes);
  }
  return hash;
}

/** The hash a build of `name` would be stamped with, from the current sources. */
export function inputHash(root, name) {
  const ws = WORKSPACES[name];
  const dir = path.join(root, name);
  const hash = createHash('sha256');
  for (const input of ws.inputs) hashPath(hash, dir, input);
  hashPath(hash, root, 'package-lock.json');
  for (const need of ws.needs) hashPath(hash, path.join(root, need), WORKSPACES[need].output, new Set([STAMP]));
  return hash.digest('hex');
}

/** The hash of what the last build of `name` left in its output folder (the stamp aside). */
function outputHash(root, name) {
  return hashPath(createHash('sha256'), path.join(root, name), WORKSPACES[name].output, new Set([STAMP])).digest('hex');
}

/** The stamp records both sides, so a build is redone when its sources change or its output was touched. */
const stampText = (root, name) => `inputs ${inputHash(root, name)}\noutput ${outputHash(root, name)}\n`;

/** Why `name` needs a build, or null when its output matches its inputs. */
export function staleReason(root, name) {
  const ws = WORKSPACES[name];
  const out = path.join(root, name, ws.output);
  if (!existsSync(path.join(out, ws.marker))) return 'no build yet';
  const stamp = path.join(out, STAMP);
  if (!existsSync(stamp)) return 'built without a stamp';
  const [inputs, output] = readFileSync(stamp, 'utf8').split('\n');
  if (inputs !== `inputs ${inputHash(root, name)}`) return 'sources changed';
  if (output !== `output ${outputHash(root, name)}`) return 'output changed since it was built';
  return null;
}

class BuildFailed extends Error {
  constructor(name, exit) {
    super(`build-if-stale: building ${name} failed (exit ${exit})`);
    this.exitCode = typeof exit === 'number' && exit > 0 ? exit : 1;
  }
}

function build(root, name) {
  const stamp = path.join(root, name, WORKSPACES[name].output, STAMP);
  rmSync(stamp, { force: true });
  const run = spawnSync('npm', ['run', 'build'], { cwd: path.join(root, name), stdio: 'inherit', shell: process.platform === 'win32' });
  if (run.status !== 0) throw new BuildFailed(name, run.status ?? run.signal);
  writeFileSync(stamp, stampText(root, name));
}

/** Builds each named workspace (and what it needs, first) that is stale, or all with `always`. */
export function buildIfStale(root, names, { always = false, log = console.log } = {}) {
  const order = [];
  const visit = (name) => {
    if (!WORKSPACES[name]) throw new Error(`build-if-stale: unknown workspace "${name}" (known: ${Object.keys(WORKSPACES).join(', ')})`);
    if (order.includes(name)) return;
    WORKSPACES[name].needs.forEach(visit);
    order.push(name);
  };
  names.forEach(visit);
  const built = [];
  for (const name of order) {
    const reason = always ? 'asked to' : staleReason(root, name);
    if (!reason) {
      log(`build-if-stale: ${name} is up to date`);
      continue;
    }
    log(`build-if-stale: building ${name} (${reason})`);
    build(root, name);
    built.push(name);
  }
  return built;
}

// Run as a script (import.meta.main is missing on Node 22.17, which the engines field allows).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const always = args.includes('--always');
  const names = args.filter((a) => a !== '--always');
  try {
    buildIfStale(ROOT, names.length ? names : ['common', 'client', 'server'], { always });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(error instanceof BuildFailed ? error.exitCode : 1);
  }
}
