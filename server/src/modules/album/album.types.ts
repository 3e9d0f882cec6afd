import { Field, ID, ObjectType } from 'type-graphql';
import type { AlbumRecord } from './album.repository.js';
import type { AlbumView } from './album.service.js';

/** imageCount, cover and images are resolved by AlbumResolver only when asked for. */
@ObjectType('Album')
export class AlbumType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Stored sealed; opened for you only.' }) name!: string;
  @Field(() => Date) createdAt!: Date;
  /** For the field resolvers; not a GraphQL field. */
  record!: AlbumRecord;
}

export function mapAlbum(view: AlbumView): AlbumType {
  return Object.assign(new AlbumType(), { id: view.album.id, name: view.name, createdAt: view.album.createdAt, record: view.album });
}
