/**
 * How the server process itself is set up, beyond its own configuration: settings that glibc
 * and V8 read only when a process starts, so `start.ts` applies them by re-executing node.
 * The benchmark runs the server, and its in-process ceiling, with exactly these.
 */

/** Defaults for variables the operator has not set (a value already in the environment wins). */
export const RUNTIME_ENV: Readonly<Record<string, string>> = {
  // libvips allocates from many threads: two malloc arenas instead of eight per core keep its
  // memory from fragmenting across arenas (docs/decisions.md).
  MALLOC_ARENA_MAX: '2',
  // glibc raises its mmap threshold after each large free, so multi-megabyte upload buffers end
  // up in the main heap and stay resident after a burst. A fixed 2 MiB threshold gives them
  // back at once: about 100 MiB less peak RSS, about 5% less upload throughput (README, Benchmark).
  MALLOC_MMAP_THRESHOLD_: String(2 * 1024 * 1024),
  // argon2 and file I/O share libuv's pool with sharp; four threads would queue logins behind images.
  UV_THREADPOOL_SIZE: '8',
};

/**
 * V8 heap flags. With the defaults, the old-space headroom after a collection is smaller than the
 * young generation, so during uploads V8 starts one full marking cycle after another (50 in 90
 * uploads); these flags make that about 20 and the young generation smaller.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=100'];

/** The oldest Node.js the server runs on (MikroORM 7; argon2's binary crashes on Node 20). */
export const MIN_NODE = { major: 22, minor: 17 };

/** Why this Node.js is too old to run the server, or null when it is recent enough. */
export function unsupportedNode(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor)) return null;
  return `Lockframe needs Node.js ${MIN_NODE.major}.${MIN_NODE.minor} or newer; this is ${version}. See the README's Quick start.`;
}

/** The environment a server process should run with: the operator's, plus the defaults above. */
export function runtimeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...RUNTIME_ENV, ...env };
}
