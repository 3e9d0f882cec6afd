import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Strict CSP for the web client: scripts only from this origin plus the exact inline boot
 * script(s) of the built index.html, by hash — never 'unsafe-inline' scripts.
 */
export function inlineScriptHashes(indexHtml: string): string[] {
  const hashes: string[] = [];
  for (const match of indexHtml.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    const body = match[1] ?? '';
    if (body.trim()) hashes.push(`'sha256-${createHash('sha256').update(body).digest('base64')}'`);
  }
  return hashes;
}

export function clientCsp(indexFile: string | null): string {
  const hashes = indexFile ? inlineScriptHashes(readFileSync(indexFile, 'utf8')) : [];
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    // Svelte sets element styles (transitions, progress bars) from script.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The GraphQL endpoint answers JSON only: nothing in it may load or run anything. */
export const GRAPHQL_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Image bytes: never a document that runs anything, even if a browser is tricked into rendering one. */
export const MEDIA_CSP = "default-src 'none'; sandbox";

/** The GraphQL playground (Altair): its scripts by nonce, everything else from this origin. */
export function playgroundCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** helmet for every response; the CSP of the client pages is set where they are served. */
export function securityHeaders(https: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
}

export const PERMISSIONS_POLICY =
  'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()';
