/**
 * A short, readable name for the browser or client behind a User-Agent header: "Firefox 133 on
 * Linux", "Safari on iPhone", "curl 8.5.0". The header is whatever the client chose to send, so
 * this only ever reads it with bounded regular expressions and returns plain text.
 */

/** Longer headers are cut before parsing: no browser sends more, and it bounds the work. */
const MAX_PARSED_LENGTH = 512;
const MAX_SUMMARY_LENGTH = 60;

interface Rule {
  pattern: RegExp;
  name: string;
}

// Order matters: Edge, Opera and Samsung Internet also say "Chrome"; Chrome also says "Safari".
const BROWSERS: readonly Rule[] = [
  { pattern: /\bEdg(?:e|A|iOS)?\/(\d+)/, name: 'Edge' },
  { pattern: /\bOPR\/(\d+)/, name: 'Opera' },
  { pattern: /\bSamsungBrowser\/(\d+)/, name: 'Samsung Internet' },
  { pattern: /\bFirefox\/(\d+)/, name: 'Firefox' },
  { pattern: /\bFxiOS\/(\d+)/, name: 'Firefox' },
  { pattern: /\bHeadlessChrome\/(\d+)/, name: 'Headless Chrome' },
  { pattern: /\bCriOS\/(\d+)/, name: 'Chrome' },
  { pattern: /\bChrom(?:e|ium)\/(\d+)/, name: 'Chrome' },
  { pattern: /\bVersion\/(\d+)(?:\.\d+)*.*\bSafari\//, name: 'Safari' },
];

// Scripts and tools that call the API with a token.
const CLIENTS: readonly Rule[] = [
  { pattern: /^curl\/([\d.]+)/i, name: 'curl' },
  { pattern: /^Wget\/([\d.]+)/i, name: 'Wget' },
  { pattern: /^python-requests\/([\d.]+)/i, name: 'Python requests' },
  { pattern: /^python-httpx\/([\d.]+)/i, name: 'Python HTTPX' },
  { pattern: /^Python-urllib\/([\d.]+)/i, name: 'Python urllib' },
  { pattern: /^aiohttp\/([\d.]+)/i, name: 'Python aiohttp' },
  { pattern: /^Go-http-client\/([\d.]+)/i, name: 'Go' },
  { pattern: /^PostmanRuntime\/([\d.]+)/i, name: 'Postman' },
  { pattern: /^insomnia\/([\d.]+)/i, name: 'Insomnia' },
  { pattern: /^HTTPie\/([\d.]+)/i, name: 'HTTPie' },
  { pattern: /^okhttp\/([\d.]+)/i, name: 'OkHttp' },
  { pattern: /^axios\/([\d.]+)/i, name: 'axios' },
  { pattern: /^node(?:-fetch)?(?:\/([\d.]+))?$/i, name: 'Node.js' },
  { pattern: /^undici(?:\/([\d.]+))?/i, name: 'Node.js' },
  { pattern: /^Deno\/([\d.]+)/i, name: 'Deno' },
  { pattern: /^Bun\/([\d.]+)/i, name: 'Bun' },
];

const SYSTEMS: readonly Rule[] = [
  { pattern: /\biPhone\b/, name: 'iPhone' },
  { pattern: /\biPad\b/, name: 'iPad' },
  { pattern: /\bAndroid\b/, name: 'Android' },
  { pattern: /\bCrOS\b/, name: 'ChromeOS' },
  { pattern: /\bWindows\b/, name: 'Windows' },
  { pattern: /\bMac OS X\b|\bMacintosh\b/, name: 'macOS' },
  { pattern: /\bLinux\b|\bX11\b/, name: 'Linux' },
];

function clip(text: string): string {
  return text.length > MAX_SUMMARY_LENGTH ? `${text.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : text;
}

export function summarizeUserAgent(userAgent: string | null | undefined): string {
  const ua = (userAgent ?? '').slice(0, MAX_PARSED_LENGTH).trim();
  if (!ua) return 'Unknown device';

  for (const client of CLIENTS) {
    const match = client.pattern.exec(ua);
    if (match) return match[1] ? `${client.name} ${match[1]}` : client.name;
  }

  const system = SYSTEMS.find((rule) => rule.pattern.test(ua))?.name;
  const browser = BROWSERS.find((rule) => rule.pattern.test(ua));
  const version = browser ? browser.pattern.exec(ua)?.[1] : undefined;
  const browserName = browser ? `${browser.name}${version ? ` ${version}` : ''}` : undefined;

  if (browserName && system) return `${browserName} on ${system}`;
  if (browserName) return browserName;
  if (system) return `Browser on ${system}`;
  // Something else entirely: its first word is the best name it offers.
  const product = /^[A-Za-z][\w.-]{0,40}(?:\/[\w.-]{1,20})?/.exec(ua)?.[0];
  return product ? clip(product.replace('/', ' ')) : 'Unknown device';
}
