import type { ImageFormat } from '../sniff.js';

/** What an uploaded picture says about itself, as plain JSON for its owner to look at. */
export interface ImageMetadata {
  format: ImageFormat;
  camera?: { make?: string; model?: string; lens?: string; software?: string };
  exposure?: { exposureTime?: number; fNumber?: number; iso?: number; focalLength?: number; flash?: string };
  /**
   * ISO 8601 from EXIF DateTimeOriginal, else CreateDate. EXIF dates are camera wall-clock time:
   * with an OffsetTime tag the offset is appended; without one the time is given as written, with
   * no zone and no conversion (it is not UTC, nor the server's zone).
   */
  capturedAt?: string;
  /** Raw EXIF orientation, 1–8. */
  orientation?: number;
  /** Decimal degrees, south and west negative; altitude in metres, below sea level negative. */
  location?: { latitude: number; longitude: number; altitude?: number };
  /** IPTC-IIM record 2, keys in camelCase (`headline`, `caption`, `keywords`, `byline`, `copyright` …). */
  iptc?: Record<string, string | string[]>;
  /** A few well-known XMP properties (`title`, `description`, `creator`, `subject`, `rating` …). */
  xmp?: Record<string, string | string[]>;
  icc?: { description?: string };
  png?: { width: number; height: number; bitDepth: number; colorType: string; interlace: boolean; text: Record<string, string> };
  animation?: { frames: number; loop?: number; delays?: number[] };
  size?: { width: number; height: number };
  /** Everything read, flattened for a table view: `'Exif.ExposureTime' → 0.004`. */
  fields: Record<string, string | number | boolean>;
}

export interface MetadataLimits {
  /** Entries in `fields`, and in each of `iptc`, `xmp` and `png.text`. */
  maxFields: number;
  /** Of every string, in UTF-16 code units. */
  maxStringLength: number;
  /** Of the whole result as UTF-8 JSON; `fields` entries are dropped first to fit. */
  maxTotalBytes: number;
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = Object.freeze({
  maxFields: 500,
  maxStringLength: 2000,
  maxTotalBytes: 64 * 1024,
});

/** The raw metadata blocks libvips found while reading the header: `exif`, `icc`, `iptc` and `xmp` of sharp's metadata(). */
export interface HeaderBlocks {
  /** The TIFF block, after an "Exif\0\0" prefix from JPEG and WebP (read from the file for PNG: png.ts). */
  exif?: Buffer;
  /** Whole, even when a JPEG splits it over several APP2 segments. */
  icc?: Buffer;
  /** JPEG: the whole Photoshop APP13 payload, IPTC being one of its resources. */
  iptc?: Buffer;
  xmp?: Buffer;
}

/** What extraction starts from: what processing already read of the image (a ProcessedImage is one). */
export interface MetadataSource {
  /** As sniffed from the bytes, and as libvips agreed. */
  format: ImageFormat;
  /** As reported: upright, and of one frame. */
  width: number;
  height: number;
  frames: number;
  animation?: { delays?: number[]; loop?: number };
  blocks: HeaderBlocks;
}
