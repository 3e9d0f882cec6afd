import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { Image } from './image.entity.js';
import type { ImagePage } from './image.service.js';

@ObjectType('Image')
export class ImageType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Sanitized original name, for display only.' }) filename!: string;
  @Field(() => String, { description: 'Detected from the file content.' }) mimeType!: string;
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => Int, { description: 'Size of the original upload in bytes.' }) byteSize!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String, { description: 'Display image: re-encoded, metadata stripped.' }) url!: string;
  @Field(() => String) thumbnailUrl!: string;
  @Field(() => String, { description: 'The exact uploaded bytes, served as an attachment.' }) originalUrl!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Extracted metadata, owner only.' })
  metadata!: unknown;
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

export function mapImage(image: Image): ImageType {
  return Object.assign(new ImageType(), {
    id: image.id,
    filename: image.filename,
    mimeType: image.mimeType,
    width: image.width,
    height: image.height,
    byteSize: image.byteSize,
    createdAt: image.createdAt,
    url: mediaPath(image.id, 'display'),
    thumbnailUrl: mediaPath(image.id, 'thumbnail'),
    originalUrl: mediaPath(image.id, 'original'),
    metadata: null,
  });
}

export function mapImagePage(page: ImagePage): ImageConnectionType {
  return Object.assign(new ImageConnectionType(), {
    nodes: page.nodes.map(mapImage),
    totalCount: page.totalCount,
    pageInfo: Object.assign(new PageInfoType(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
  });
}
