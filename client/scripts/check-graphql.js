// The client's half of the contract check, run by `npm run check`:
//  1. src/lib/graphql/graphql-env.d.ts (the introspection types every document is typed from)
//     must be what /schema.graphql gives now; regenerate it with `npm run graphql-env -w client`.
//  2. Every document must be valid against the schema (`gql.tada check`). Type errors in code
//     that uses a document's result are svelte-check's part.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const committed = path.join(root, 'src/lib/graphql/graphql-env.d.ts');
const cli = path.join(path.dirname(createRequire(import.meta.url).resolve('gql.tada/package.json')), 'bin/cli.js');
const tada = (...args) => execFileSync(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });

const scratch = mkdtempSync(path.join(tmpdir(), 'lockframe-graphql-env-'));
try {
  const fresh = path.join(scratch, 'graphql-env.d.ts');
  tada('generate-output', '--output', fresh);
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error(`${path.relative(root, committed)} is stale: schema.graphql has changed. Run \`npm run graphql-env -w client\` and commit the result.`);
    process.exit(1);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

try {
  process.stdout.write(tada('check', '--fail-on-warn', '--tsconfig', 'src/lib/graphql/tsconfig.check.json'));
} catch (error) {
  process.stdout.write(error.stdout ?? '');
  process.exit(1);
}
