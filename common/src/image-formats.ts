/** The image formats Lockframe accepts. The server decides from a file's bytes; the client pre-checks name and type. */

export const IMAGE_FORMATS = ['jpeg', 'png', 'gif', 'webp', 'avif', 'heic'] as const;

export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export function isImageFormat(value: unknown): value is ImageFormat {
  return (IMAGE_FORMATS as readonly unknown[]).includes(value);
}

export const IMAGE_MIME_TYPES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
};

/** The format a stored MIME type names, or null for any other type. */
export function imageFormatOfMimeType(mimeType: string): ImageFormat | null {
  return IMAGE_FORMATS.find((format) => IMAGE_MIME_TYPES[format] === mimeType) ?? null;
}

/** File name extensions, lower case with the dot, that people's systems give each format. */
export const IMAGE_EXTENSIONS: Readonly<Record<ImageFormat, readonly string[]>> = {
  jpeg: ['.jpg', '.jpeg', '.jpe', '.jfif'],
  png: ['.png'],
  gif: ['.gif'],
  webp: ['.webp'],
  avif: ['.avif'],
  heic: ['.heic', '.heif'],
};

/** Every accepted MIME type, in the formats' order (for an <input accept> or an Accept check). */
export const ACCEPTED_IMAGE_TYPES: readonly string[] = [
  ...IMAGE_FORMATS.map((format) => IMAGE_MIME_TYPES[format]),
  // Some systems name a .heic or .heif file by the container rather than the codec.
  'image/heif',
];

export const ACCEPTED_IMAGE_EXTENSIONS: readonly string[] = IMAGE_FORMATS.flatMap((format) => IMAGE_EXTENSIONS[format]);

/** Each format as people know it. */
export const IMAGE_FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF', heic: 'HEIC' };

const names = IMAGE_FORMATS.map((format) => IMAGE_FORMAT_NAMES[format]);

/** The formats in a sentence: "JPEG, PNG, GIF, WebP, AVIF or HEIC". */
export const ACCEPTED_FORMATS_TEXT = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
