import { describe, expect, it } from 'vitest';
import { ACCEPTED_FORMATS_TEXT, ACCEPTED_IMAGE_EXTENSIONS, ACCEPTED_IMAGE_TYPES, IMAGE_FORMAT_NAMES, IMAGE_FORMATS, IMAGE_MIME_TYPES, isImageFormat } from '../src/index.js';

describe('image formats', () => {
  it('are JPEG, PNG, GIF and WebP', () => {
    expect(IMAGE_FORMATS).toEqual(['jpeg', 'png', 'gif', 'webp']);
    expect(IMAGE_MIME_TYPES).toEqual({ jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' });
    expect(ACCEPTED_IMAGE_TYPES).toEqual(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
    expect(ACCEPTED_IMAGE_EXTENSIONS).toEqual(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.gif', '.webp']);
  });

  it('name every format in the line people read', () => {
    expect(ACCEPTED_FORMATS_TEXT).toBe('JPEG, PNG, GIF or WebP');
    expect(IMAGE_FORMAT_NAMES).toEqual({ jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP' });
  });

  it('are recognised by their lower-case name only', () => {
    expect(isImageFormat('webp')).toBe(true);
    expect(isImageFormat('JPEG')).toBe(false);
    expect(isImageFormat('svg')).toBe(false);
  });
});
