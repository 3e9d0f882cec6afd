// Moves SvelteKit's inline boot <script> out of build/index.html into a content-hashed file, so
// the page runs under a strict `script-src 'self'` Content-Security-Policy with no hashes or
// nonces to keep in step with the server. Runs after `vite build`; fails loudly if the page does
// not look as expected, rather than shipping something half-changed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const buildDir = path.resolve(import.meta.dirname, '../build');
const indexPath = path.join(buildDir, 'index.html');
const html = readFileSync(indexPath, 'utf8');

const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g;
const scripts = [...html.matchAll(INLINE_SCRIPT)];
if (scripts.length !== 1) {
  throw new Error(`externalize-boot: expected exactly one inline <script> in ${indexPath}, found ${scripts.length}`);
}
const [match] = scripts;
const code = match[1].trim();
// The boot code finds its mount point through document.currentScript, which a classic (not
// module, not async) external script still has.
if (!code.includes('document.currentScript')) {
  throw new Error('externalize-boot: the inline script no longer looks like SvelteKit\'s boot code; check this step');
}

const hash = createHash('sha256').update(code).digest('base64url').slice(0, 12);
const publicPath = `/_app/immutable/entry/boot.${hash}.js`;
mkdirSync(path.join(buildDir, '_app/immutable/entry'), { recursive: true });
writeFileSync(path.join(buildDir, publicPath), `${code}\n`);

// Defence in depth for the app page, should the server ever forget its header.
const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

let out = html.replace(match[0], `<script src="${publicPath}"></script>`);
out = out.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`);
if (!out.includes('http-equiv="Content-Security-Policy"')) {
  throw new Error('externalize-boot: could not place the CSP <meta> (is <meta charset="utf-8" /> still in src/app.html?)');
}
writeFileSync(indexPath, out);
console.log(`externalize-boot: boot script → ${publicPath}`);
