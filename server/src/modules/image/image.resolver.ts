import { Arg, Authorized, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ViewerScope } from '../../graphql/auth-checker.js';
import { UploadedFile, UploadScalar } from '../../graphql/upload.js';
import type { Services } from '../../services.js';
import type { SignedInScope } from '../../scope.js';
import type { ImageService } from './image.service.js';
import { ImageConnectionType, ImageFilterInput, ImageType, mapImage, mapImagePage } from './image.types.js';

@Resolver()
export class ImageResolver {
  private readonly gallery: ImageService;

  constructor(services: Services) {
    this.gallery = services.images;
  }

  @Authorized()
  @Query(() => ImageConnectionType, { description: 'Your images, newest first.' })
  async images(
    @ViewerScope() scope: SignedInScope,
    @Arg('first', () => Int, { nullable: true, defaultValue: 24 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('filter', () => ImageFilterInput, { nullable: true }) filter?: ImageFilterInput | null,
  ): Promise<ImageConnectionType> {
    return mapImagePage(await this.gallery.list(scope, { first: first ?? 24, after, filter }));
  }

  @Authorized()
  @Query(() => ImageType, { nullable: true, description: 'Null when missing or not yours.' })
  async image(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<ImageType | null> {
    const image = await this.gallery.find(scope, id);
    return image ? mapImage(image) : null;
  }

  @Authorized()
  @Mutation(() => ImageType)
  async uploadImage(@ViewerScope() scope: SignedInScope, @Arg('file', () => UploadScalar) file: UploadedFile): Promise<ImageType> {
    return mapImage(await this.gallery.upload(scope, file));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'An error when missing or not yours.' })
  async deleteImage(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<boolean> {
    await this.gallery.delete(scope, id);
    return true;
  }
}
