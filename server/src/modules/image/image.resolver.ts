import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import type { ImageService } from './image.service.js';
import { ImageConnectionType, ImageFilterInput, ImageType, mapImage, mapImagePage } from './image.types.js';

@Resolver()
export class ImageResolver {
  constructor(private readonly imageService: ImageService) {}

  @Query(() => ImageConnectionType, { description: 'Your images, newest first.' })
  async images(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 24 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('filter', () => ImageFilterInput, { nullable: true }) filter?: ImageFilterInput | null,
  ): Promise<ImageConnectionType> {
    return mapImagePage(await this.imageService.list(ctx.em, ctx.viewer, ctx.origin, { first: first ?? 24, after, filter }));
  }

  @Query(() => ImageType, { nullable: true, description: 'Null when missing or not yours.' })
  async image(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ImageType | null> {
    const image = await this.imageService.find(ctx.em, ctx.viewer, id, ctx.origin);
    return image ? mapImage(image) : null;
  }

  @Mutation(() => ImageType)
  async uploadImage(
    @Ctx() ctx: GraphQLContext,
    @Arg('file', () => GraphQLUpload) file: Promise<FileUpload>,
  ): Promise<ImageType> {
    return mapImage(await this.imageService.upload(ctx.em, ctx.viewer, file, ctx.origin));
  }

  @Mutation(() => Boolean, { description: 'An error when missing or not yours.' })
  async deleteImage(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    await this.imageService.delete(ctx.em, ctx.viewer, id, ctx.origin);
    return true;
  }
}
