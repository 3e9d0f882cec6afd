import { describe, expect, it } from 'vitest';
import { ACCEPTED_FORMATS_TEXT, ACCEPTED_IMAGE_EXTENSIONS, ACCEPTED_IMAGE_TYPES, IMAGE_FORMAT_NAMES, IMAGE_FORMATS, IMAGE_MIME_TYPES, isImageFormat } from '../src/index.js';

describe('image formats', () => {
  it('are JPEG, PNG, GIF, WebP, AVIF and HEIC', () => {
    expect(IMAGE_FORMATS).toEqual(['jpeg', 'png', 'gif', 'webp', 'avif', 'heic']);
    expect(IMAGE_MIME_TYPES).toEqual({
      jpeg: 'image/jpeg',
      png: 'image/png',
      gif: 'image/gif',
      webp: 'image/webp',
      avif: 'image/avif',
      heic: 'image/heic',
    });
    // A .heic or .heif file may be typed by its container.
    expect(ACCEPTED_IMAGE_TYPES).toEqual(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/heic', 'image/heif']);
    expect(ACCEPTED_IMAGE_EXTENSIONS).toEqual(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.gif', '.webp', '.avif', '.heic', '.heif']);
  });

  it('name every format in the line people read', () => {
    expect(ACCEPTED_FORMATS_TEXT).toBe('JPEG, PNG, GIF, WebP, AVIF or HEIC');
    expect(IMAGE_FORMAT_NAMES).toEqual({ jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF', heic: 'HEIC' });
  });

  it('are recognised by their lower-case name only', () => {
    expect(isImageFormat('webp')).toBe(true);
    expect(isImageFormat('JPEG')).toBe(false);
    expect(isImageFormat('svg')).toBe(false);
  });
});
