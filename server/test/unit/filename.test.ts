import { describe, expect, it } from 'vitest';
import { sanitizeFilename } from '../../src/modules/image/filename.js';
import { contentDisposition } from '../../src/modules/image/image.routes.js';

describe('sanitizeFilename', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\secret.png', 'secret.png'],
    ['evil\u0000.php\u0000.png', 'evil.php.png'],
    ['\u202Egnp.exe', 'gnp.exe'],
    ['a\u2066b\u2069c\u200Fd.png', 'abcd.png'],
    ['line\nbreak\r.png', 'linebreak.png'],
    ['   spaced    out   .png', 'spaced out .png'],
    ['.htaccess', 'htaccess'],
    ['...', 'image'],
    ['', 'image'],
    ['/', 'image'],
    ['e\u0301clair.png', 'éclair.png'],
  ])('%j → %j', (raw, expected) => {
    expect(sanitizeFilename(raw)).toBe(expected);
  });

  it('bounds the length and keeps the extension', () => {
    const out = sanitizeFilename(`${'a'.repeat(1000)}.jpeg`);
    expect(Array.from(out).length).toBeLessThanOrEqual(200);
    expect(out.endsWith('….jpeg')).toBe(true);
  });

  it('does not split surrogate pairs when shortening', () => {
    const out = sanitizeFilename('📷'.repeat(500));
    expect(out).not.toMatch(/[\uD800-\uDFFF](?![\uDC00-\uDFFF])/u);
    expect(Array.from(out).length).toBeLessThanOrEqual(200);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name (RFC 6266)', () => {
    expect(contentDisposition('café "x".jpg')).toBe(
      `attachment; filename="caf_ _x_.jpg"; filename*=UTF-8''caf%C3%A9%20%22x%22.jpg`,
    );
  });
});
