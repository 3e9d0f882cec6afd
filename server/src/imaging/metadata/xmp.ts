/**
 * XMP: a handful of well-known properties, found by linear string search. exifr 7.1.3's XMP
 * parser assigns to `Object.prototype` for an element named `<__proto__:x>`, and an XML parser
 * would have to be hardened against depth and entity tricks: neither is worth it for these.
 */
import { cleanText, decodeUtf8OrLatin1, utf8Prefix } from './text.js';
import { MAX_LIST_ITEMS } from './values.js';

/** Of a packet searched; more is cut off (a JPEG segment holds at most 64 KiB anyway). */
const MAX_XMP_CHARS = 256 * 1024;
/** Of a packet decoded: no more can make MAX_XMP_CHARS characters. */
const MAX_XMP_BYTES = MAX_XMP_CHARS * 4;

/** A packet as libvips hands it over (JPEG, WebP): UTF-8 as the XMP spec says, else Latin-1; bounded before decoding. */
export function xmpText(packet: Uint8Array): string {
  return decodeUtf8OrLatin1(utf8Prefix(packet, MAX_XMP_BYTES));
}

/**
 * Output key, qualified name, and whether the value is a list. Matched by their customary
 * prefixes (every common writer uses these); XMP that binds other prefixes to these namespaces
 * is not understood.
 */
const XMP_PROPERTIES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['title', 'dc:title', false],
  ['description', 'dc:description', false],
  ['creator', 'dc:creator', true],
  ['subject', 'dc:subject', true],
  ['rights', 'dc:rights', false],
  ['rating', 'xmp:Rating', false],
  ['label', 'xmp:Label', false],
  ['createDate', 'xmp:CreateDate', false],
  ['creatorTool', 'xmp:CreatorTool', false],
  ['headline', 'photoshop:Headline', false],
  ['city', 'photoshop:City', false],
  ['state', 'photoshop:State', false],
  ['country', 'photoshop:Country', false],
  ['credit', 'photoshop:Credit', false],
  ['lens', 'aux:Lens', false],
];

function decodeXmlEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/gi, (_, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    const lower = entity.toLowerCase();
    if (named[lower]) return named[lower];
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

/** Where `<name` starts an element of that exact name, or -1. */
function findElement(xml: string, name: string, from: number): number {
  const open = `<${name}`;
  for (let at = xml.indexOf(open, from); at !== -1; at = xml.indexOf(open, at + 1)) {
    const next = xml[at + open.length];
    if (next === '>' || next === '/' || next === ' ' || next === '\t' || next === '\n' || next === '\r') return at;
  }
  return -1;
}

/** `name="value"` (or single quotes) as an attribute, e.g. of rdf:Description. */
function findAttribute(xml: string, name: string): string | undefined {
  for (let at = xml.indexOf(name, 0); at !== -1; at = xml.indexOf(name, at + 1)) {
    if (!/\s/.test(xml[at - 1] ?? '')) continue;
    let i = at + name.length;
    while (xml[i] === ' ') i++;
    if (xml[i] !== '=') continue;
    i++;
    while (xml[i] === ' ') i++;
    const quote = xml[i];
    if (quote !== '"' && quote !== "'") continue;
    const end = xml.indexOf(quote, i + 1);
    return end === -1 ? undefined : xml.slice(i + 1, end);
  }
  return undefined;
}

/** The texts of `rdf:li` items, the x-default one first; structured items are skipped. */
function listItems(inner: string): string[] {
  const items: string[] = [];
  let preferred: string | undefined;
  let from = 0;
  while (items.length < MAX_LIST_ITEMS) {
    const start = findElement(inner, 'rdf:li', from);
    if (start === -1) break;
    const open = inner.indexOf('>', start);
    if (open === -1) break;
    const close = inner.indexOf('</rdf:li>', open);
    if (close === -1) break;
    from = close + 9;
    const value = inner.slice(open + 1, close);
    if (value.includes('<')) continue;
    if (preferred === undefined && inner.slice(start, open).includes('"x-default"')) preferred = value;
    else items.push(value);
  }
  return preferred === undefined ? items : [preferred, ...items];
}

function xmpValues(xml: string, name: string): string[] {
  const start = findElement(xml, name, 0);
  if (start !== -1) {
    const open = xml.indexOf('>', start);
    if (open !== -1 && xml[open - 1] !== '/') {
      const close = xml.indexOf(`</${name}>`, open);
      if (close !== -1) {
        const inner = xml.slice(open + 1, close);
        return inner.includes('<') ? listItems(inner) : [inner];
      }
    }
  }
  const attribute = findAttribute(xml, name);
  return attribute === undefined ? [] : [attribute];
}

/** The known properties of a packet, cleaned; lists for list properties, the x-default text first. */
export function readXmp(source: string, maxString: number): Array<[string, string | string[]]> {
  const xml = source.length > MAX_XMP_CHARS ? source.slice(0, MAX_XMP_CHARS) : source;
  const entries: Array<[string, string | string[]]> = [];
  for (const [key, name, isList] of XMP_PROPERTIES) {
    const values: string[] = [];
    for (const raw of xmpValues(xml, name)) {
      const value = cleanText(decodeXmlEntities(raw), maxString);
      if (value !== undefined) values.push(value);
    }
    if (values.length === 0) continue;
    entries.push([key, isList ? values : values[0]!]);
  }
  return entries;
}
