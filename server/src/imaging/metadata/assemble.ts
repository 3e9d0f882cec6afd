/**
 * The result object: what was read, interpreted (capture time, place, exposure …) and put together
 * within the byte budget, with the flattened `fields` table last.
 */
import { fill, jsonBytes, shrinkToFit } from './budget.js';
import type { ExifBlocks } from './exif.js';
import { iptcEntries } from './iptc.js';
import type { PngHeader } from './png.js';
import { cleanKey, cleanText } from './text.js';
import type { ImageMetadata, MetadataLimits, MetadataSource } from './types.js';
import { definedOnly, firstNumber, positive, text, toFieldValue, validSize, type Block, type Scalar, type Value } from './values.js';

/** Everything the parsers found, not yet cleaned where noted. */
export interface ReadParts {
  exif: ExifBlocks;
  orientation?: number;
  icc: { description?: string; fields: Array<[string, Scalar]> };
  xmp: Array<[string, string | string[]]>;
  png?: PngHeader;
  /** As stored. */
  pngText: Array<[string, string]>;
  /** As stored. */
  comment?: string;
}

/** "2024:05:01 12:34:56" (+ sub-seconds, + offset) → "2024-05-01T12:34:56.123+02:00"; as written. */
function exifDate(date: Value | undefined, subSeconds: Value | undefined, offset: Value | undefined): string | undefined {
  const match = typeof date === 'string' ? /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(date) : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`;
  const fraction = String(subSeconds ?? '').trim();
  if (/^\d{1,9}$/.test(fraction)) iso += `.${fraction}`;
  if (typeof offset === 'string' && /^[+-](?:0\d|1[0-4]):[0-5]\d$/.test(offset.trim())) iso += offset.trim();
  return iso;
}

function flashText(value: Value | undefined): string | undefined {
  if (typeof value === 'string') return value;
  const number = firstNumber(value);
  // Bit 0 says whether it fired; exifr names the common combinations, this is for the rest.
  return number === undefined ? undefined : number & 1 ? 'Flash fired' : 'Flash did not fire';
}

function location(blocks: ExifBlocks): ImageMetadata['location'] {
  const { latitude, longitude } = blocks;
  if (latitude === undefined || longitude === undefined) return undefined;
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  const altitude = firstNumber(blocks.gps.get('GPSAltitude'));
  const belowSeaLevel = firstNumber(blocks.gps.get('GPSAltitudeRef')) === 1;
  return {
    latitude,
    longitude,
    ...(altitude !== undefined && Math.abs(altitude) < 1e6 && { altitude: belowSeaLevel ? -altitude : altitude }),
  };
}

function animation(source: MetadataSource, maxItems: number): ImageMetadata['animation'] {
  const { frames } = source;
  if (typeof frames !== 'number' || !Number.isSafeInteger(frames) || frames < 2) return undefined;
  const rawDelays = source.animation?.delays;
  const rawLoop = source.animation?.loop;
  const delays = Array.isArray(rawDelays)
    ? rawDelays.slice(0, Math.min(frames, maxItems)).filter((d) => Number.isSafeInteger(d) && d >= 0)
    : [];
  const loop = typeof rawLoop === 'number' && Number.isSafeInteger(rawLoop) && rawLoop >= 0 ? rawLoop : undefined;
  return { frames, ...(loop !== undefined && { loop }), ...(delays.length > 0 && { delays }) };
}

export function assemble(source: MetadataSource, parts: ReadParts, limits: MetadataLimits): ImageMetadata {
  const maxString = limits.maxStringLength;
  const { ifd0, exif, gps, iptc } = parts.exif;
  const size = validSize(source.width, source.height);
  const pngText: Array<[string, string]> = [];
  for (const [rawKey, rawValue] of parts.pngText) {
    const key = cleanKey(rawKey);
    const value = cleanText(rawValue, maxString);
    if (key && value) pngText.push([key, value]);
  }

  const result: ImageMetadata = { format: source.format, fields: {} };
  const camera = definedOnly({
    make: text(ifd0.get('Make')),
    model: text(ifd0.get('Model')),
    lens: text(exif.get('LensModel')),
    software: text(ifd0.get('Software')),
  });
  if (camera) result.camera = camera;
  const exposure = definedOnly({
    exposureTime: positive(exif.get('ExposureTime')),
    fNumber: positive(exif.get('FNumber')),
    iso: positive(exif.get('ISO')),
    focalLength: positive(exif.get('FocalLength')),
    flash: flashText(exif.get('Flash')),
  });
  if (exposure) result.exposure = exposure;
  const capturedAt =
    exifDate(exif.get('DateTimeOriginal'), exif.get('SubSecTimeOriginal'), exif.get('OffsetTimeOriginal')) ??
    exifDate(exif.get('CreateDate'), exif.get('SubSecTimeDigitized'), exif.get('OffsetTimeDigitized'));
  if (capturedAt) result.capturedAt = capturedAt;
  if (parts.orientation !== undefined) result.orientation = parts.orientation;
  const place = location(parts.exif);
  if (place) result.location = place;
  if (parts.icc.description) result.icc = { description: parts.icc.description };
  if (parts.png) result.png = { ...parts.png, text: {} };
  const frames = animation(source, limits.maxFields);
  if (frames) result.animation = frames;
  if (size) result.size = { width: size.width, height: size.height };
  result.iptc = {};
  result.xmp = {};

  // The parts above are small and bounded; the free-form records share what is left, and the
  // flattened table, being a copy of everything, comes last and is what gets cut.
  shrinkToFit(result, limits.maxTotalBytes);
  const budget = { left: limits.maxTotalBytes - jsonBytes(result) };
  fill(result.iptc, iptcEntries(iptc), budget, limits.maxFields);
  fill(result.xmp, parts.xmp, budget, limits.maxFields);
  if (result.png) fill(result.png.text, pngText, budget, limits.maxFields);
  if (Object.keys(result.iptc).length === 0) delete result.iptc;
  if (Object.keys(result.xmp).length === 0) delete result.xmp;

  const fields: Array<[string, Scalar]> = [];
  const addBlock = (prefix: string, block: Block) => {
    for (const [key, value] of block) {
      const scalar = toFieldValue(value, maxString);
      if (scalar !== undefined) fields.push([`${prefix}.${key}`, scalar]);
    }
  };
  addBlock('IFD0', ifd0);
  addBlock('Exif', exif);
  addBlock('GPS', gps);
  addBlock('IPTC', iptc);
  for (const [key, value] of parts.xmp) {
    const scalar = cleanText(Array.isArray(value) ? value.join(', ') : value, maxString);
    if (scalar) fields.push([`XMP.${key}`, scalar]);
  }
  fields.push(...parts.icc.fields);
  if (parts.png) {
    const { bitDepth, colorType, interlace } = parts.png;
    fields.push(['PNG.BitDepth', bitDepth], ['PNG.ColorType', colorType], ['PNG.Interlace', interlace]);
    for (const [key, value] of pngText) fields.push([`PNG.Text.${key}`, value]);
  }
  const comment = parts.comment && cleanText(parts.comment, maxString);
  if (comment) fields.push(['JPEG.Comment', comment]);
  if (result.animation) {
    fields.push(['Animation.Frames', result.animation.frames]);
    if (result.animation.loop !== undefined) fields.push(['Animation.Loop', result.animation.loop]);
  }
  fill(result.fields, fields, budget, limits.maxFields);
  return result;
}
