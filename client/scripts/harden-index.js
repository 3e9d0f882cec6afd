// Post-build step for build/index.html, so the app runs under a strict Content-Security-Policy:
//  1. SvelteKit's inline boot <script> moves into a content-hashed file, so `script-src 'self'`
//     suffices: no hashes or nonces to keep in step with the server.
//  2. A CSP <meta> is added as defence in depth, should the server ever forget its header.
//     The framework's few static inline style attributes (SvelteKit's hidden route announcer)
//     are allowed by hash only; the same list is printed for the server's own header.
// Fails loudly if the page does not look as expected, rather than shipping something half-changed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const buildDir = path.resolve(import.meta.dirname, '../build');
const indexPath = path.join(buildDir, 'index.html');
const html = readFileSync(indexPath, 'utf8');
const fail = (message) => {
  throw new Error(`harden-index: ${message}`);
};

// 1. The boot script.
const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
if (scripts.length !== 1) fail(`expected exactly one inline <script> in ${indexPath}, found ${scripts.length}`);
const [match] = scripts;
const code = match[1].trim();
// The boot code finds its mount point through document.currentScript, which a classic (not
// module, not async) external script still has.
if (!code.includes('document.currentScript')) fail("the inline script no longer looks like SvelteKit's boot code; check this step");
const digest = createHash('sha256').update(code).digest('base64url').slice(0, 12);
const bootPath = `/_app/immutable/entry/boot.${digest}.js`;
mkdirSync(path.join(buildDir, '_app/immutable/entry'), { recursive: true });
writeFileSync(path.join(buildDir, bootPath), `${code}\n`);

// 2. Static style="…" attributes in the built JavaScript, each allowed by its sha256.
const jsFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? jsFiles(path.join(dir, entry.name)) : entry.name.endsWith('.js') ? [path.join(dir, entry.name)] : [],
  );
const styleHashes = new Set();
for (const file of jsFiles(path.join(buildDir, '_app'))) {
  for (const [, style] of readFileSync(file, 'utf8').matchAll(/style="([^"]*)"/g)) {
    styleHashes.add(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  }
}
const styleSrc = ["'self'", ...(styleHashes.size ? ["'unsafe-hashes'", ...styleHashes] : [])].join(' ');

const csp = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src ${styleSrc}`,
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

let out = html.replace(match[0], `<script src="${bootPath}"></script>`);
out = out.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`);
if (!out.includes('http-equiv="Content-Security-Policy"')) fail('could not place the CSP <meta> (is <meta charset="utf-8" /> still in src/app.html?)');
writeFileSync(indexPath, out);
console.log(`harden-index: boot script → ${bootPath}`);
console.log(`harden-index: style-src for the server's CSP header: ${styleSrc}`);
