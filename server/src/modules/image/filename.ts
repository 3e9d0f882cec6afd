const MAX_FILENAME_LENGTH = 200;

/**
 * Makes an uploaded name safe to show: no path parts, no control, format (bidi) or
 * private-use characters, no leading dots, bounded length. It is never used in a path.
 */
export function sanitizeFilename(raw: string | undefined | null, fallback = 'image'): string {
  let name = (raw ?? '').normalize('NFC');
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  name = name
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^[.\s]+/u, '');
  if (!name) return fallback;
  const chars = Array.from(name);
  if (chars.length <= MAX_FILENAME_LENGTH) return name;
  // Keep the extension visible when shortening.
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  return chars.slice(0, MAX_FILENAME_LENGTH - Array.from(ext).length - 1).join('') + '…' + ext;
}
