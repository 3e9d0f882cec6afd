import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { ImageMetadata } from '../../src/imaging/metadata/index.js';
import { mapImageDetails } from '../../src/modules/image/image-details.types.js';

const OUTPUTS = path.join(import.meta.dirname, '../fixtures/metadata-output');

/** Every metadata document the extraction snapshots hold, hostile fixtures included. */
async function documents(): Promise<Array<[string, ImageMetadata]>> {
  const names = (await readdir(OUTPUTS)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => [n, JSON.parse(await readFile(path.join(OUTPUTS, n), 'utf8'))] as [string, ImageMetadata]));
}

describe('typed image details', () => {
  it('carry every value of each stored metadata document, in its own type', async () => {
    const all = await documents();
    expect(all.length).toBeGreaterThan(5);
    for (const [name, metadata] of all) {
      const details = mapImageDetails(metadata);
      expect(details.format, name).toBe(metadata.format);
      expect(details.capturedAt, name).toBe(metadata.capturedAt ?? null);
      expect(details.colorProfile, name).toBe(metadata.icc?.description ?? null);
      expect(details.fields.length, name).toBe(Object.keys(metadata.fields).length);
      for (const field of details.fields) {
        const value = metadata.fields[field.name];
        // Exactly one slot is set, and it holds the value as read.
        expect([field.text, field.number, field.flag].filter((v) => v !== null), `${name} ${field.name}`).toEqual([value]);
      }
      for (const [group, record] of [['iptc', metadata.iptc], ['xmp', metadata.xmp]] as const) {
        const back = Object.fromEntries(details[group].map((e) => [e.key, e.values]));
        const expected = Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
        expect(back, `${name} ${group}`).toEqual(expected);
      }
      if (metadata.location) expect(details.location, name).toEqual({ altitude: null, ...metadata.location });
      else expect(details.location, name).toBeNull();
      if (metadata.animation) {
        expect(details.animation, name).toEqual({ frames: metadata.animation.frames, loop: metadata.animation.loop ?? null, delays: metadata.animation.delays ?? [] });
      }
    }
  });

  it('give a camera photo its parts by name', async () => {
    const camera = JSON.parse(await readFile(path.join(OUTPUTS, 'camera-jpeg.json'), 'utf8')) as ImageMetadata;
    const details = mapImageDetails(camera);
    expect(details.camera).toEqual({ make: 'Canon', model: 'Canon EOS R5', lens: 'RF50mm F1.8 STM', software: 'Firmware Version 1.8.1' });
    expect(details.exposure).toEqual({ exposureTime: 0.004, fNumber: 2.8, iso: 400, focalLength: 50, flash: 'Flash fired, auto mode' });
    expect(details.fields).toContainEqual({ name: 'Exif.ISO', text: null, number: 400, flag: null });
    expect(details.png).toBeNull();
  });

  it('leave out what a minimal document lacks', () => {
    const details = mapImageDetails({ format: 'gif', fields: {} });
    const given = Object.entries(details).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0));
    expect(given).toEqual([['format', 'gif']]);
    // Every part the schema has is there (null or empty), so a client never meets undefined.
    expect(Object.keys(details)).toHaveLength(12);
  });
});
