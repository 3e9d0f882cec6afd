import type { ImageFormat } from '@lockframe/common';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { ImageMetadata } from '../../imaging/metadata/index.js';
import { ImageFormatEnum } from './image-format.enum.js';

/**
 * The extracted metadata as typed fields, beside `Image.metadata` (the same document as JSON),
 * so clients read values of a known type instead of re-checking arbitrary JSON. Every text still
 * comes from inside an uploaded file: clients show it as text only.
 */

@ObjectType('CameraDetails')
export class CameraDetailsType {
  @Field(() => String, { nullable: true }) make!: string | null;
  @Field(() => String, { nullable: true }) model!: string | null;
  @Field(() => String, { nullable: true }) lens!: string | null;
  @Field(() => String, { nullable: true }) software!: string | null;
}

@ObjectType('ExposureDetails')
export class ExposureDetailsType {
  @Field(() => Float, { nullable: true, description: 'In seconds.' }) exposureTime!: number | null;
  @Field(() => Float, { nullable: true }) fNumber!: number | null;
  @Field(() => Float, { nullable: true }) iso!: number | null;
  @Field(() => Float, { nullable: true, description: 'In millimetres.' }) focalLength!: number | null;
  @Field(() => String, { nullable: true, description: 'As the camera describes it, e.g. "Flash did not fire".' }) flash!: string | null;
}

@ObjectType('GeoLocation', { description: 'Where the photo was taken, as the original file records it.' })
export class GeoLocationType {
  @Field(() => Float, { description: 'Decimal degrees, south negative.' }) latitude!: number;
  @Field(() => Float, { description: 'Decimal degrees, west negative.' }) longitude!: number;
  @Field(() => Float, { nullable: true, description: 'Metres; below sea level negative.' }) altitude!: number | null;
}

@ObjectType('MetadataEntry', { description: 'One named text property (IPTC, XMP, PNG text); lists keep their order.' })
export class MetadataEntryType {
  @Field(() => String) key!: string;
  @Field(() => [String]) values!: string[];
}

@ObjectType('MetadataField', { description: 'One value as read from the file; exactly one of text, number and flag is set.' })
export class MetadataFieldType {
  @Field(() => String, { description: 'Where it was read, e.g. "Exif.ExposureTime".' }) name!: string;
  @Field(() => String, { nullable: true }) text!: string | null;
  @Field(() => Float, { nullable: true }) number!: number | null;
  @Field(() => Boolean, { nullable: true }) flag!: boolean | null;
}

@ObjectType('PngDetails')
export class PngDetailsType {
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => Int) bitDepth!: number;
  @Field(() => String) colorType!: string;
  @Field(() => Boolean) interlaced!: boolean;
  @Field(() => [MetadataEntryType]) text!: MetadataEntryType[];
}

@ObjectType('AnimationDetails')
export class AnimationDetailsType {
  @Field(() => Int) frames!: number;
  @Field(() => Int, { nullable: true, description: 'How many times it plays; 0 is forever.' }) loop!: number | null;
  @Field(() => [Int], { description: 'Frame delays in milliseconds (at most 1,000 are kept).' }) delays!: number[];
}

@ObjectType('ImageDetails')
export class ImageDetailsType {
  @Field(() => ImageFormatEnum) format!: ImageFormat;
  @Field(() => CameraDetailsType, { nullable: true }) camera!: CameraDetailsType | null;
  @Field(() => ExposureDetailsType, { nullable: true }) exposure!: ExposureDetailsType | null;
  @Field(() => String, {
    nullable: true,
    description:
      'ISO 8601 as the camera clock showed it: with an offset only when the file states one, else camera wall-clock time with no zone.',
  })
  capturedAt!: string | null;
  @Field(() => Int, { nullable: true, description: 'Raw EXIF orientation, 1–8.' }) orientation!: number | null;
  @Field(() => GeoLocationType, { nullable: true }) location!: GeoLocationType | null;
  @Field(() => String, { nullable: true, description: 'The embedded ICC profile\'s description.' }) colorProfile!: string | null;
  @Field(() => PngDetailsType, { nullable: true }) png!: PngDetailsType | null;
  @Field(() => AnimationDetailsType, { nullable: true }) animation!: AnimationDetailsType | null;
  @Field(() => [MetadataEntryType], { description: 'IPTC-IIM record 2, keys in camelCase (headline, caption, keywords…).' })
  iptc!: MetadataEntryType[];
  @Field(() => [MetadataEntryType], { description: 'Well-known XMP properties (title, description, creator, rating…).' })
  xmp!: MetadataEntryType[];
  @Field(() => [MetadataFieldType], { description: 'Everything read, flattened, for a table view.' }) fields!: MetadataFieldType[];
}

const orNull = <T>(value: T | undefined): T | null => value ?? null;

function entries(record: Record<string, string | string[]> | undefined): MetadataEntryType[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, values: Array.isArray(value) ? value : [value] }));
}

/** The typed view of a stored metadata document (which extraction wrote, so its shape is ours). */
export function mapImageDetails(metadata: ImageMetadata): ImageDetailsType {
  const { camera, exposure, location, png, animation } = metadata;
  return {
    format: metadata.format,
    camera: camera
      ? { make: orNull(camera.make), model: orNull(camera.model), lens: orNull(camera.lens), software: orNull(camera.software) }
      : null,
    exposure: exposure
      ? {
          exposureTime: orNull(exposure.exposureTime),
          fNumber: orNull(exposure.fNumber),
          iso: orNull(exposure.iso),
          focalLength: orNull(exposure.focalLength),
          flash: orNull(exposure.flash),
        }
      : null,
    capturedAt: orNull(metadata.capturedAt),
    orientation: orNull(metadata.orientation),
    location: location ? { latitude: location.latitude, longitude: location.longitude, altitude: orNull(location.altitude) } : null,
    colorProfile: orNull(metadata.icc?.description),
    png: png
      ? { width: png.width, height: png.height, bitDepth: png.bitDepth, colorType: png.colorType, interlaced: png.interlace, text: entries(png.text) }
      : null,
    animation: animation ? { frames: animation.frames, loop: orNull(animation.loop), delays: animation.delays ?? [] } : null,
    iptc: entries(metadata.iptc),
    xmp: entries(metadata.xmp),
    fields: Object.entries(metadata.fields).map(([name, value]) => ({
      name,
      text: typeof value === 'string' ? value : null,
      number: typeof value === 'number' ? value : null,
      flag: typeof value === 'boolean' ? value : null,
    })),
  };
}
