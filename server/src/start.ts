/**
 * `npm start`: runs main.js with the runtime settings of config/runtime.ts. Those are read only
 * when a process starts, so this replaces itself (same process id, so signals and supervisors
 * work as before) with node given the flags and environment; flags given to this node come
 * after them, so they win. Where a process cannot replace itself (Windows), the server runs
 * here without them.
 */
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS, runtimeEnv, unsupportedNode } from './config/runtime.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
// An older Node fails far less clearly: argon2's native module crashes the process on Node 20.
const tooOld = unsupportedNode(process.version);

if (tooOld) {
  console.error(tooOld);
  process.exit(1);
} else if (process.platform !== 'win32' && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...NODE_FLAGS, ...process.execArgv, main, ...process.argv.slice(2)], runtimeEnv(process.env));
} else {
  await import('./main.js');
}
