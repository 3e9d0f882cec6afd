import { Arg, Authorized, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ViewerScope } from '../../graphql/auth-checker.js';
import type { Services } from '../../services.js';
import type { SignedInScope } from '../../scope.js';
import { ImageConnectionType, ImageType, mapImage, mapImagePage } from '../image/image.types.js';
import type { AlbumService } from './album.service.js';
import { AlbumType, mapAlbum } from './album.types.js';

@Resolver(() => AlbumType)
export class AlbumResolver {
  private readonly service: AlbumService;

  constructor(services: Services) {
    this.service = services.albums;
  }

  @Authorized()
  @Query(() => [AlbumType], { description: 'Your albums, newest first.' })
  async albums(@ViewerScope() scope: SignedInScope): Promise<AlbumType[]> {
    return (await this.service.list(scope)).map(mapAlbum);
  }

  @Authorized()
  @Query(() => AlbumType, { nullable: true, description: 'Null when missing or not yours.' })
  async album(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<AlbumType | null> {
    const album = await this.service.find(scope, id);
    return album ? mapAlbum(album) : null;
  }

  @Authorized()
  @Mutation(() => AlbumType)
  async createAlbum(@ViewerScope() scope: SignedInScope, @Arg('name', () => String) name: string): Promise<AlbumType> {
    return mapAlbum(await this.service.create(scope, name));
  }

  @Authorized()
  @Mutation(() => AlbumType)
  async renameAlbum(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string, @Arg('name', () => String) name: string): Promise<AlbumType> {
    return mapAlbum(await this.service.rename(scope, id, name));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Deletes the album; its photos stay in your gallery.' })
  async deleteAlbum(@ViewerScope() scope: SignedInScope, @Arg('id', () => ID) id: string): Promise<boolean> {
    await this.service.delete(scope, id);
    return true;
  }

  @Authorized()
  @Mutation(() => AlbumType, { description: 'Every image must be yours and not in the trash, or nothing changes (NOT_FOUND).' })
  async addToAlbum(
    @ViewerScope() scope: SignedInScope,
    @Arg('albumId', () => ID) albumId: string,
    @Arg('imageIds', () => [ID]) imageIds: string[],
  ): Promise<AlbumType> {
    return mapAlbum(await this.service.add(scope, albumId, imageIds));
  }

  @Authorized()
  @Mutation(() => AlbumType, { description: 'Ids not in the album change nothing; the photos stay in your gallery.' })
  async removeFromAlbum(
    @ViewerScope() scope: SignedInScope,
    @Arg('albumId', () => ID) albumId: string,
    @Arg('imageIds', () => [ID]) imageIds: string[],
  ): Promise<AlbumType> {
    return mapAlbum(await this.service.remove(scope, albumId, imageIds));
  }

  @FieldResolver(() => Int, { description: 'Photos in the album, not counting trashed ones.' })
  imageCount(@ViewerScope() scope: SignedInScope, @Root() album: AlbumType): Promise<number> {
    return this.service.imageCount(scope, album.record);
  }

  @FieldResolver(() => ImageType, { nullable: true, description: 'The newest photo in the album.' })
  async cover(@ViewerScope() scope: SignedInScope, @Root() album: AlbumType): Promise<ImageType | null> {
    const cover = await this.service.cover(scope, album.record);
    return cover ? mapImage(cover) : null;
  }

  @FieldResolver(() => ImageConnectionType, { description: 'Its photos, newest upload first; trashed ones never appear.' })
  async images(
    @ViewerScope() scope: SignedInScope,
    @Root() album: AlbumType,
    @Arg('first', () => Int, { nullable: true, defaultValue: 24 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<ImageConnectionType> {
    return mapImagePage(await this.service.images(scope, album.record, { first: first ?? 24, after }));
  }
}
