import sharp from 'sharp';

/**
 * The only libvips loaders that may run: JPEG, PNG, GIF, WebP and AVIF (HEIF), read from memory. GIF's
 * loader is libnsgif's, hence "Nsgif". libvips ignores names it does not know, so a typo here
 * fails silently; the unit tests decode each format to catch that.
 */
export const ALLOWED_LOADERS: readonly string[] = [
  'VipsForeignLoadJpegBuffer',
  'VipsForeignLoadPngBuffer',
  'VipsForeignLoadNsgifBuffer',
  'VipsForeignLoadWebpBuffer',
  // AVIF and HEIC brands only (the sniffer passes no other HEIF), and processing checks that
  // libvips found AV1 or HEVC inside. Its prebuilt libheif has no HEVC decoder: for HEIC it
  // reads only the header (sizes, EXIF); the pixels come from heic.ts.
  'VipsForeignLoadHeifBuffer',
];

// libvips chooses a loader from the bytes on its own and ships many more (SVG, TIFF, PDF,
// HEIF, ...), so whatever the sniffer lets through, only these can ever parse it.
// This is process-wide: importing sharp through this module guarantees it is in force.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: [...ALLOWED_LOADERS] });

// Each upload is decoded once; libvips' operation cache would only hold on to memory.
sharp.cache(false);

export default sharp;
