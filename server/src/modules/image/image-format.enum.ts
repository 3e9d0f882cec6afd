import { IMAGE_FORMATS, IMAGE_FORMAT_NAMES, type ImageFormat } from '@lockframe/common';
import { registerEnumType } from 'type-graphql';

/** GraphQL names the formats JPEG, PNG…; resolvers and services see @lockframe/common's 'jpeg', 'png'…. */
export const ImageFormatEnum = Object.fromEntries(IMAGE_FORMATS.map((f) => [f.toUpperCase(), f])) as {
  [F in ImageFormat as Uppercase<F>]: F;
};
registerEnumType(ImageFormatEnum, {
  name: 'ImageFormat',
  description: 'An accepted image format, as detected from the bytes.',
  valuesConfig: Object.fromEntries(IMAGE_FORMATS.map((f) => [f.toUpperCase(), { description: IMAGE_FORMAT_NAMES[f] }])),
});
