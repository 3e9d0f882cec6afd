import { describe, expect, it } from 'vitest';
import {
  describeDelays,
  formatAltitude,
  formatCaptureTime,
  formatCoordinate,
  formatExposureTime,
  formatFNumber,
  formatFocalLength,
  formatIso,
  formatLocation,
  formatLoop,
  formatOrientation,
  humanizeKey,
  listText,
  plainText,
  presentMetadata,
  type MetadataGroup,
} from './metadata-presentation.ts';
import type { ImageDetails } from './graphql/documents.ts';

/** A details object as the server sends it: every field present, null when the file has no value. */
function details(parts: Partial<ImageDetails>): ImageDetails {
  return {
    format: 'JPEG',
    camera: null,
    exposure: null,
    capturedAt: null,
    orientation: null,
    location: null,
    colorProfile: null,
    png: null,
    animation: null,
    iptc: [],
    xmp: [],
    fields: [],
    ...parts,
  };
}

const text = (name: string, value: string) => ({ name, text: value, number: null, flag: null });

describe('exposure values', () => {
  it.each([
    [0.004, '1/250 s'],
    [1 / 8000, '1/8000 s'],
    [0.5, '1/2 s'],
    [0.3, '0.3 s'],
    [1, '1 s'],
    [2.5, '2.5 s'],
    [30, '30 s'],
  ])('shutter %s → %s', (value, text) => {
    expect(formatExposureTime(value)).toBe(text);
  });

  it('refuses nonsense', () => {
    for (const value of [0, -1, null, Number.NaN, Number.POSITIVE_INFINITY, 1e9]) expect(formatExposureTime(value)).toBeNull();
  });

  it('formats aperture, ISO and focal length', () => {
    expect(formatFNumber(2.8)).toBe('f/2.8');
    expect(formatFNumber(8)).toBe('f/8');
    expect(formatFNumber(-2)).toBeNull();
    expect(formatIso(100)).toBe('ISO 100');
    expect(formatIso(0)).toBeNull();
    expect(formatFocalLength(35)).toBe('35 mm');
    expect(formatFocalLength(4.25)).toBe('4.3 mm');
  });
});

describe('location', () => {
  it('writes coordinates with hemispheres, five decimals', () => {
    expect(formatCoordinate(51.5074, 'lat')).toBe('51.50740° N');
    expect(formatCoordinate(-0.1278, 'lon')).toBe('0.12780° W');
    expect(formatCoordinate(-33.8688, 'lat')).toBe('33.86880° S');
    expect(formatCoordinate(151.2093, 'lon')).toBe('151.20930° E');
    expect(formatLocation({ latitude: 51.5074, longitude: -0.1278 })).toBe('51.50740° N, 0.12780° W');
  });

  it('refuses impossible places', () => {
    expect(formatCoordinate(91, 'lat')).toBeNull();
    expect(formatCoordinate(-181, 'lon')).toBeNull();
    expect(formatLocation({ latitude: 51, longitude: 181 })).toBeNull();
    expect(formatLocation(null)).toBeNull();
  });

  it('says which side of sea level', () => {
    expect(formatAltitude(35.24)).toBe('35.2 m above sea level');
    expect(formatAltitude(-4)).toBe('4 m below sea level');
  });
});

describe('formatCaptureTime', () => {
  it('shows the camera clock as written, not converted to the reader\'s zone', () => {
    expect(formatCaptureTime('2024-05-01T14:30:05', 'en-GB')).toBe('1 May 2024 at 14:30:05');
    expect(formatCaptureTime('2024-05-01T14:30:05+02:00', 'en-GB')).toBe('1 May 2024 at 14:30:05 (UTC+02:00)');
    expect(formatCaptureTime('2024-05-01T23:30:00Z', 'en-GB')).toBe('1 May 2024 at 23:30:00 (UTC)');
    expect(formatCaptureTime('2024-05-01T14:30', 'en-GB')).toBe('1 May 2024 at 14:30');
  });

  it('shows odd text as it is', () => {
    expect(formatCaptureTime('sometime in May', 'en-GB')).toBe('sometime in May');
    expect(formatCaptureTime('2024-02-31T10:00:00', 'en-GB')).toBe('2024-02-31T10:00:00');
    expect(formatCaptureTime(null)).toBeNull();
  });
});

describe('small formatters', () => {
  it('names orientations and loops', () => {
    expect(formatOrientation(6)).toBe('Rotated 90° clockwise');
    expect(formatOrientation(9)).toBeNull();
    expect(formatLoop(0)).toBe('Forever');
    expect(formatLoop(1)).toBe('Once');
    expect(formatLoop(3)).toBe('3 times');
    expect(describeDelays([100, 100, 100])).toEqual({ total: '300 ms', each: '100 ms each' });
    expect(describeDelays([40, 200, 1000, 1160])).toEqual({ total: '2.4 s', each: '40–1160 ms' });
    expect(describeDelays([])).toBeNull();
    expect(describeDelays([-5, Number.NaN])).toBeNull();
  });

  it('humanizes keys', () => {
    expect(humanizeKey('copyrightNotice')).toBe('Copyright notice');
    expect(humanizeKey('by_line')).toBe('By line');
    expect(humanizeKey('')).toBe('(no name)');
  });

  it('makes hostile text inert and bounded', () => {
    expect(plainText('evil\u202Egnp.exe')).toBe('evilgnp.exe');
    expect(plainText('a\u0000b\nc')).toBe('ab\nc');
    expect(plainText('x'.repeat(20), 5)).toBe('xxxxx… (15 more characters)');
    expect(listText(['a', 'b\u202E'])).toBe('a, b');
    expect(listText(Array.from({ length: 52 }, (_, i) => String(i))).endsWith('49 … (2 more)')).toBe(true);
  });
});

const group = (groups: MetadataGroup[], id: string) => groups.find((g) => g.id === id);

describe('presentMetadata', () => {
  it('says "none" for no metadata', () => {
    expect(presentMetadata(null)).toEqual({ kind: 'none' });
    expect(presentMetadata(details({ format: 'PNG' }))).toEqual({ kind: 'none' });
  });

  it('groups a camera photo', () => {
    const result = presentMetadata(
      details({
        camera: { make: 'Canon', model: 'EOS R6', lens: 'RF 35mm F1.8', software: 'Firmware 1.8' },
        exposure: { exposureTime: 0.004, fNumber: 2.8, iso: 100, focalLength: 35, flash: 'Flash did not fire' },
        capturedAt: '2024-05-01T14:30:05',
        orientation: 1,
        location: { latitude: 51.5074, longitude: -0.1278, altitude: 12 },
        iptc: [
          { key: 'headline', values: ['Trafalgar'] },
          { key: 'keywords', values: ['london', 'square'] },
        ],
        colorProfile: 'sRGB IEC61966-2.1',
        fields: [
          { name: 'Exif.ExposureTime', text: null, number: 0.004, flag: null },
          text('Exif.Make', 'Canon'),
          { name: 'Exif.Flash', text: null, number: null, flag: false },
        ],
      }),
      undefined,
      'en-GB',
    );
    expect(result.kind).toBe('groups');
    if (result.kind !== 'groups') return;
    expect(result.groups.map((g) => g.id)).toEqual(['camera', 'exposure', 'capture', 'location', 'image', 'description']);
    expect(group(result.groups, 'camera')!.rows).toEqual([
      { label: 'Make', value: 'Canon' },
      { label: 'Model', value: 'EOS R6' },
      { label: 'Lens', value: 'RF 35mm F1.8' },
      { label: 'Software', value: 'Firmware 1.8' },
    ]);
    expect(group(result.groups, 'exposure')!.rows.map((r) => r.value)).toEqual(['1/250 s', 'f/2.8', 'ISO 100', '35 mm', 'Flash did not fire']);
    expect(group(result.groups, 'capture')!.rows).toEqual([{ label: 'Taken', value: '1 May 2024 at 14:30:05' }]);
    expect(group(result.groups, 'location')!.rows).toEqual([
      { label: 'Coordinates', value: '51.50740° N, 0.12780° W' },
      { label: 'Altitude', value: '12 m above sea level' },
    ]);
    expect(group(result.groups, 'location')!.note).toMatch(/where this photo was taken/);
    expect(group(result.groups, 'image')!.rows).toEqual([
      { label: 'Orientation', value: 'Normal' },
      { label: 'Colour profile', value: 'sRGB IEC61966-2.1' },
    ]);
    expect(group(result.groups, 'description')!.rows).toEqual([
      { label: 'Headline', value: 'Trafalgar' },
      { label: 'Keywords', value: 'london, square' },
    ]);
    expect(result.fields.rows).toEqual([
      { label: 'Exif.ExposureTime', value: '0.004' },
      { label: 'Exif.Make', value: 'Canon' },
      { label: 'Exif.Flash', value: 'No' },
    ]);
  });

  it('shows PNG text chunks and animation', () => {
    const result = presentMetadata(
      details({
        format: 'PNG',
        png: {
          width: 10,
          height: 20,
          bitDepth: 8,
          colorType: 'RGBA',
          interlaced: false,
          text: [
            { key: 'Comment', values: ['hello'] },
            { key: 'Software', values: ['GIMP'] },
          ],
        },
        animation: { frames: 3, loop: 0, delays: [100, 100, 100] },
      }),
    );
    if (result.kind !== 'groups') throw new Error('expected groups');
    expect(group(result.groups, 'png-text')!.rows).toEqual([
      { label: 'Comment', value: 'hello' },
      { label: 'Software', value: 'GIMP' },
    ]);
    expect(group(result.groups, 'image')!.rows).toEqual([
      { label: 'PNG size', value: '10 × 20 px' },
      { label: 'Bit depth', value: '8-bit' },
      { label: 'Colour type', value: 'RGBA' },
      { label: 'Interlaced', value: 'No' },
    ]);
    expect(group(result.groups, 'animation')!.rows).toEqual([
      { label: 'Frames', value: '3' },
      { label: 'Plays', value: 'Forever' },
      { label: 'Duration', value: '300 ms' },
      { label: 'Frame delay', value: '100 ms each' },
    ]);
  });

  it('shows hostile text as inert text and drops impossible numbers', () => {
    const result = presentMetadata(
      details({
        camera: { make: '<img src=x onerror=alert(1)>', model: '\u202Eevil', lens: '   ', software: null },
        exposure: { exposureTime: -1, fNumber: 1e12, iso: null, focalLength: Number.NaN, flash: null },
        location: { latitude: 123, longitude: 0, altitude: 5 },
        fields: [text('<b>key</b>', '<script>alert(1)</script>')],
      }),
    );
    if (result.kind !== 'groups') throw new Error('expected groups');
    expect(result.groups.map((g) => g.id)).toEqual(['camera']);
    expect(group(result.groups, 'camera')!.rows).toEqual([
      { label: 'Make', value: '<img src=x onerror=alert(1)>' },
      { label: 'Model', value: 'evil' },
    ]);
    expect(result.fields.rows).toEqual([{ label: '<b>key</b>', value: '<script>alert(1)</script>' }]);
  });

  it('bounds what a crafted file can make the page render', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, values: ['v'.repeat(50)] }));
    const result = presentMetadata(
      details({ fields: many.map((e) => text(e.key, e.values[0]!)), iptc: many }),
      { maxRows: 5, maxFields: 10, maxTextLength: 8 },
    );
    if (result.kind !== 'groups') throw new Error('expected groups');
    expect(result.fields.rows).toHaveLength(10);
    expect(result.fields.more).toBe(20);
    expect(result.fields.rows[0]!.value).toBe('vvvvvvvv… (42 more characters)');
    expect(group(result.groups, 'description')!.rows).toHaveLength(5);
    expect(group(result.groups, 'description')!.more).toBe(25);
  });

  it('keeps __proto__ names as plain names', () => {
    const result = presentMetadata(details({ fields: [text('__proto__', 'x'), { name: 'ok', text: null, number: 1, flag: null }] }));
    if (result.kind !== 'groups') throw new Error('expected groups');
    expect(result.fields.rows.map((r) => [r.label, r.value])).toEqual([
      ['__proto__', 'x'],
      ['ok', '1'],
    ]);
  });
});
