/**
 * What an uploaded picture says about itself — camera, exposure, capture time, place, captions,
 * colour profile, PNG text, animation — as a small plain-JSON object for its owner to look at.
 *
 * It starts from what libvips already read while processing checked the header (sharp's
 * metadata(): sizes, frames, and the EXIF, ICC, IPTC and XMP blocks), and walks the container
 * itself only for what that leaves out: a JPEG's comment (jpeg.ts) and PNG's own chunks (png.ts
 * says why). Every byte is chosen by the uploader, so:
 * - nothing throws for bad metadata: a photo with broken EXIF must still upload, and whatever
 *   could be read is returned (at least the format and the size);
 * - every loop is bounded by a count and by the bytes it walks, and every decompression by an
 *   output size, so a hostile file cannot hang the server or fill its memory;
 * - every string is plain text with control and bidi-override characters removed and a bounded
 *   length, every key is checked, binary blobs (MakerNote, thumbnails, raw profiles) are dropped,
 *   and the whole result fits `MetadataLimits.maxTotalBytes` when serialised.
 * exifr parses EXIF and IPTC, but only from blocks rebuilt here (exif.ts, tiff.ts); XMP and ICC
 * are read here, as exifr's own parsers for them are unsafe (xmp.ts, icc.ts).
 */
import type { Metadata } from 'sharp';
import { assemble, type ReadParts } from './assemble.js';
import { assertLimits } from './budget.js';
import { emptyExifBlocks, readExif, withoutExifHeader } from './exif.js';
import { readIcc } from './icc.js';
import { photoshopIptc } from './iptc.js';
import { jpegComment } from './jpeg.js';
import { readPng } from './png.js';
import { rebuildTiff, type RebuiltTiff } from './tiff.js';
import { DEFAULT_METADATA_LIMITS, type HeaderBlocks, type ImageMetadata, type MetadataLimits, type MetadataSource } from './types.js';
import { readXmp, xmpText } from './xmp.js';

export { DEFAULT_METADATA_LIMITS };
export type { HeaderBlocks, ImageMetadata, MetadataLimits, MetadataSource };

/** The blocks extraction reads, out of the header sharp's metadata() gave. */
export function headerBlocks(header: Metadata): HeaderBlocks {
  const { exif, icc, iptc, xmp } = header;
  return { ...(exif && { exif }), ...(icc && { icc }), ...(iptc && { iptc }), ...(xmp && { xmp }) };
}

/**
 * Reads the metadata of an image that processing has checked: `source` is what it read of the
 * header (a ProcessedImage is one), `input` the upload, for what libvips does not hand over.
 * Never rejects for anything in the file; only invalid `limits` (a configuration bug) throw.
 */
export async function extractMetadata(
  input: Buffer,
  source: MetadataSource,
  limits: MetadataLimits = DEFAULT_METADATA_LIMITS,
): Promise<ImageMetadata> {
  assertLimits(limits);
  const maxString = limits.maxStringLength;
  const { blocks } = source;
  const png = source.format === 'png' ? readPng(input) : undefined;
  const parts: ReadParts = {
    exif: emptyExifBlocks(),
    icc: { fields: [] },
    xmp: [],
    ...(png?.header && { png: png.header }),
    pngText: png?.text ?? [],
  };

  let tiff: RebuiltTiff | undefined;
  try {
    const exif = png ? png.tiff : blocks.exif && withoutExifHeader(blocks.exif);
    tiff = exif && rebuildTiff(exif);
    parts.exif = await readExif(tiff, blocks.iptc && photoshopIptc(blocks.iptc), maxString);
  } catch {
    // Broken EXIF or IPTC: the rest still counts.
  }
  if (tiff?.orientation !== undefined) parts.orientation = tiff.orientation;
  try {
    if (blocks.icc) parts.icc = readIcc(blocks.icc, maxString);
  } catch {
    // Broken profile.
  }
  try {
    const xml = png ? png.xmp : blocks.xmp && xmpText(blocks.xmp);
    if (xml) parts.xmp = readXmp(xml, maxString);
  } catch {
    // Broken XMP.
  }
  try {
    const comment = source.format === 'jpeg' ? jpegComment(input) : undefined;
    if (comment) parts.comment = comment;
  } catch {
    // Broken segment list.
  }
  return assemble(source, parts, limits);
}
