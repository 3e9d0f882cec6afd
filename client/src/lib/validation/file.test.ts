import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_UPLOAD_BYTES } from '@lockframe/common';
import { checkFile, extensionOf, looksLikeAcceptedImage } from './file.ts';

const file = (name: string, type: string, size = 1000) => ({ name, type, size });

describe('upload pre-checks', () => {
  it('has one 5 MiB limit', () => {
    expect(DEFAULT_MAX_UPLOAD_BYTES).toBe(5 * 1024 * 1024);
  });

  it.each([
    ['photo.jpg', 'image/jpeg'],
    ['photo.JPEG', 'image/jpeg'],
    ['shot.png', 'image/png'],
    ['anim.gif', 'image/gif'],
    ['pic.webp', 'image/webp'],
    ['phone.avif', 'image/avif'],
    ['no-type.AVIF', ''],
    ['IMG_0001.HEIC', 'image/heic'],
    ['photo.heif', 'image/heif'],
    ['no-type.jpg', ''],
    ['no-extension', 'image/png'],
  ])('accepts %s (%s)', (name, type) => {
    expect(checkFile(file(name, type))).toBeNull();
  });

  it.each([
    ['doc.pdf', 'application/pdf'],
    ['vector.svg', 'image/svg+xml'],
    ['photo.tiff', 'image/tiff'],
    ['fake.jpg', 'text/html'],
    ['renamed.exe', 'image/png'],
    ['mystery', ''],
  ])('refuses %s (%s)', (name, type) => {
    expect(checkFile(file(name, type))?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('takes exactly the limit and refuses one byte more, saying by how much', () => {
    expect(checkFile(file('big.jpg', 'image/jpeg', DEFAULT_MAX_UPLOAD_BYTES))).toBeNull();
    const problem = checkFile(file('big.jpg', 'image/jpeg', DEFAULT_MAX_UPLOAD_BYTES + 1));
    expect(problem?.code).toBe('FILE_TOO_LARGE');
    expect(problem?.message).toBe('Too large (5,242,881 bytes). The limit is 5 MiB (5,242,880 bytes).');
    expect(checkFile(file('huge.png', 'image/png', 12 * 1024 * 1024))?.message).toBe('Too large (12 MiB). The limit is 5 MiB.');
  });

  it('follows the server\'s limit, stated in the units it reads exactly in', () => {
    const limit = 1_000_000;
    expect(checkFile(file('ok.jpg', 'image/jpeg', limit), limit)).toBeNull();
    expect(checkFile(file('big.jpg', 'image/jpeg', 2_000_000), limit)?.message).toBe('Too large (2 MB). The limit is 1 MB.');
    expect(checkFile(file('big.jpg', 'image/jpeg', 1_500_000), limit)?.message).toBe('Too large (1.5 MB). The limit is 1 MB.');
    // 5 MiB is fine by the default limit, not by this one.
    expect(checkFile(file('big.jpg', 'image/jpeg', 5 * 1024 * 1024), limit)?.code).toBe('FILE_TOO_LARGE');
    expect(checkFile(file('big.jpg', 'image/jpeg', limit + 1), limit)?.message).toBe(
      'Too large (1,000,001 bytes). The limit is 1 MB (1,000,000 bytes).',
    );
  });

  it('states an odd limit with its exact count', () => {
    expect(checkFile(file('big.png', 'image/png', 3 * 1024 * 1024), 1_234_567)?.message).toBe(
      'Too large (3 MiB). The limit is 1.2 MiB (1,234,567 bytes).',
    );
    expect(checkFile(file('big.png', 'image/png', 1_234_568), 1_234_567)?.message).toBe(
      'Too large (1,234,568 bytes). The limit is 1.2 MiB (1,234,567 bytes).',
    );
  });

  it('refuses empty files', () => {
    expect(checkFile(file('empty.png', 'image/png', 0))?.code).toBe('EMPTY');
  });

  it('reads extensions', () => {
    expect(extensionOf('a.b.JPG')).toBe('.jpg');
    expect(extensionOf('.hidden')).toBe('');
    expect(extensionOf('none')).toBe('');
    expect(looksLikeAcceptedImage(file('x.png', ' IMAGE/PNG '))).toBe(true);
  });
});
