import { IMAGE_MIME_TYPES, type ImageFormat } from '@lockframe/common';
import { AppError } from '../errors.js';

/** The accepted formats and their MIME types are @lockframe/common's, which the client pre-checks with. */
export type { ImageFormat };
export const MIME_TYPES = IMAGE_MIME_TYPES;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((byte, i) => head[offset + i] === byte);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/**
 * The format the bytes really are, from their signature alone. The uploader's file name and
 * declared MIME type are never consulted: both are chosen by the client.
 */
export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, PNG_SIGNATURE)) return 'png';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'webp';
  return null;
}

export function unsupportedMediaType(): AppError {
  return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Only JPEG, PNG, GIF and WebP images are accepted.');
}

