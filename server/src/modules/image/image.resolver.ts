import { Arg, Authorized, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ViewerScope } from '../../graphql/auth-checker.js';
import { UploadedFile, UploadScalar } from '../../graphql/upload.js';
import type { Services } from '../../services.js';
import type { SignedInScope } from '../../scope.js';
import type { ImageService } from './image.service.js';
import type { ImageOrder } from './image.service.js';
import { ImageConnectionType, ImageFilterInput, ImageOrderEnum, ImageType, mapImage, mapImagePage } from './image.types.js';

@Resolver()
export class ImageResolver {
  private readonly gallery: ImageService;

  constructor(services: Services) {
    this.gallery = services.images;
  }

  @Authorized()
  @Query(() => ImageConnectionType, { description: 'Your images, newest first; trashed ones never appear.' })
  async images(
    @ViewerScope() scope: SignedInScope,
    @Arg('first', () => Int, { nullable: true, defaultValue: 24 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('filter', () => ImageFilterInput, { nullable: true }) filter?: ImageFilterInput | null,
    @Arg('order', () => ImageOrderEnum, { nullable: true, defaultValue: 'UPLOADED' }) order?: ImageOrder | null,
  ): Promise<ImageConnectionType> {
    return mapImagePage(await this.gallery.list(scope, { first: first ?? 24, after, filter, order }));
  }

  @Authorized()
  @Query(() => ImageConnectionType, { description: 'Your trash, newest upload first; purged after TRASH_RETENTION_DAYS.' })
  async trashedImages(
    @ViewerScope() scope: SignedInScope,
    @Arg('first', () => Int, { nullable: true, defaultValue: 24 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<ImageConnectionType> {
    return mapImagePage(await this.gallery.trashed(scope, { first: first ?? 24, after }));
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Moves your images among the ids to the trash; returns how many moved.' })
  trashImages(@ViewerScope() scope: SignedInScope, @Arg('ids', () => [ID]) ids: string[]): Promise<number> {
    return this.gallery.trash(scope, ids);
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Takes your images among the ids out of the trash; returns how many came back.' })
  restoreImages(@ViewerScope() scope: SignedInScope, @Arg('ids', () => [ID]) ids: string[]): Promise<number> {
    return this.gallery.restore(scope, ids);
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Deletes everything in your trash for good; returns how many images went.' })
  emptyTrash(@ViewerScope() scope: SignedInScope): Promise<number> {
    return this.gallery.emptyTrash(scope);
  }

  @Authorized()
  @Mutation(() => ImageType)
  async setFavorite(
    @ViewerScope() scope: SignedInScope,
    @Arg('id', () => ID) id: string,
    @Arg('favorite', () => Boolean) favorite: boolean,
  ): Promise<ImageType> {
    return mapImage(await this.gallery.setFavorite(scope, id, favorite));
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
  @Mutation(() => Boolean, { description: 'Deletes for good, from the gallery or the trash. An error when missing or not yours.' })
  async deleteImage(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<boolean> {
    await this.gallery.delete(scope, id);
    return true;
  }
}
