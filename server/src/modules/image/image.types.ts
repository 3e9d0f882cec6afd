import { IMAGE_FORMATS, IMAGE_FORMAT_NAMES, imageFormatOfMimeType, type ImageFormat } from '@lockframe/common';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ImagePage, ImageView } from './image.service.js';

/** GraphQL names the formats JPEG, PNG…; resolvers and services see @lockframe/common's 'jpeg', 'png'…. */
export const ImageFormatEnum = Object.fromEntries(IMAGE_FORMATS.map((f) => [f.toUpperCase(), f])) as {
  [F in ImageFormat as Uppercase<F>]: F;
};
registerEnumType(ImageFormatEnum, {
  name: 'ImageFormat',
  description: 'An accepted image format, as detected from the bytes.',
  valuesConfig: Object.fromEntries(IMAGE_FORMATS.map((f) => [f.toUpperCase(), { description: IMAGE_FORMAT_NAMES[f] }])),
});

@ObjectType('Image')
export class ImageType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Sanitized original name, for display only.' }) filename!: string;
  @Field(() => String, { description: 'Detected from the file content.' }) mimeType!: string;
  @Field(() => ImageFormatEnum, { description: 'Detected from the file content.' }) format!: ImageFormat;
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => Int, { description: 'Size of the original upload in bytes.' }) byteSize!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String, { description: 'Display image: re-encoded, metadata stripped.' }) url!: string;
  @Field(() => String) thumbnailUrl!: string;
  @Field(() => String, { description: 'The exact uploaded bytes, served as an attachment.' }) originalUrl!: string;
  /** Loaded and opened only when a query asks for the field. */
  loadMetadata!: () => Promise<unknown>;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Extracted metadata, owner only.' })
  get metadata(): Promise<unknown> {
    return this.loadMetadata();
  }
}

@InputType('ImageFilter', { description: 'Search your images. Every given condition must match.' })
export class ImageFilterInput {
  @Field(() => String, { nullable: true, description: 'Part of the file name, any case.' }) filename?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of the camera make or model, any case.' }) camera?: string | null;
  @Field(() => ImageFormatEnum, { nullable: true }) format?: ImageFormat | null;
  @Field(() => Date, { nullable: true, description: 'Captured at or after (from the photo metadata).' }) takenFrom?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Captured at or before.' }) takenTo?: Date | null;
}

@ObjectType('PageInfo')
export class PageInfoType {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType('ImageConnection')
export class ImageConnectionType {
  @Field(() => [ImageType]) nodes!: ImageType[];
  @Field(() => Int) totalCount!: number;
  @Field(() => PageInfoType) pageInfo!: PageInfoType;
}

export const mediaPath = (id: string, variant: 'display' | 'thumbnail' | 'original') => `/media/${id}/${variant}`;

export function mapImage(view: ImageView): ImageType {
  const { image } = view;
  return Object.assign(new ImageType(), {
    id: image.id,
    filename: view.filename,
    mimeType: image.mimeType,
    format: imageFormatOfMimeType(image.mimeType),
    width: image.width,
    height: image.height,
    byteSize: image.byteSize,
    createdAt: image.createdAt,
    url: mediaPath(image.id, 'display'),
    thumbnailUrl: mediaPath(image.id, 'thumbnail'),
    originalUrl: mediaPath(image.id, 'original'),
    loadMetadata: view.metadata,
  });
}

export function mapImagePage(page: ImagePage): ImageConnectionType {
  return Object.assign(new ImageConnectionType(), {
    nodes: page.nodes.map(mapImage),
    totalCount: page.totalCount,
    pageInfo: Object.assign(new PageInfoType(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
  });
}
