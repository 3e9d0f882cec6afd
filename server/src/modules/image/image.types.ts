import { imageFormatOfMimeType, type ImageFormat } from '@lockframe/common';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ImageMetadata } from '../../imaging/metadata/index.js';
import { ImageDetailsType, mapImageDetails } from './image-details.types.js';
import { ImageFormatEnum } from './image-format.enum.js';
import type { ImageOrder, ImagePage, ImageView } from './image.service.js';

export const ImageOrderEnum: { [O in ImageOrder]: O } = { UPLOADED: 'UPLOADED', TAKEN: 'TAKEN' };
registerEnumType(ImageOrderEnum, {
  name: 'ImageOrder',
  description: 'How a gallery listing is sorted, newest first.',
  valuesConfig: {
    UPLOADED: { description: 'By upload time.' },
    TAKEN: { description: 'By capture time from the photo metadata; photos without one by their upload time.' },
  },
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
  @Field(() => Date, { nullable: true, description: 'Capture time from the photo metadata (stored sealed), or null.' }) takenAt!: Date | null;
  @Field(() => Boolean) favorite!: boolean;
  @Field(() => Date, { nullable: true, description: 'When it went to the trash; null in the gallery.' }) trashedAt!: Date | null;
  @Field(() => String, { description: 'Display image: re-encoded, metadata stripped.' }) url!: string;
  @Field(() => String) thumbnailUrl!: string;
  @Field(() => String, { description: 'The exact uploaded bytes, served as an attachment.' }) originalUrl!: string;
  /** Loaded and opened only when a query asks for the field. */
  loadMetadata!: () => Promise<ImageMetadata | null>;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Extracted metadata, owner only.' })
  get metadata(): Promise<ImageMetadata | null> {
    return this.loadMetadata();
  }

  @Field(() => ImageDetailsType, { nullable: true, description: 'The same metadata as typed fields, owner only.' })
  get details(): Promise<ImageDetailsType | null> {
    return this.loadMetadata().then((metadata) => (metadata ? mapImageDetails(metadata) : null));
  }
}

@InputType('ImageFilter', { description: 'Search your images. Every given condition must match.' })
export class ImageFilterInput {
  @Field(() => String, { nullable: true, description: 'Part of the file name, any case.' }) filename?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of the camera make or model, any case.' }) camera?: string | null;
  @Field(() => ImageFormatEnum, { nullable: true }) format?: ImageFormat | null;
  @Field(() => Date, { nullable: true, description: 'Captured at or after (from the photo metadata).' }) takenFrom?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Captured at or before.' }) takenTo?: Date | null;
  @Field(() => Boolean, { nullable: true, description: 'Only favourites (true) or only the others (false).' }) favorite?: boolean | null;
  @Field(() => ID, { nullable: true, description: 'Only the photos of this album of yours (NOT_FOUND otherwise).' }) albumId?: string | null;
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
    takenAt: view.takenAt,
    favorite: image.favorite,
    trashedAt: image.trashedAt,
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
