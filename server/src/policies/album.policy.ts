import { notFound } from '../errors.js';
import type { AlbumRecord, AlbumRepository } from '../modules/album/album.repository.js';
import type { SignedInScope } from '../scope.js';
import { UUID } from './image.policy.js';

/** What a viewer may do with an album: see it and its photos, or change it (name, members, delete). */
export type AlbumPermission = 'album.read' | 'album.write';

/** Like an image grant: of one album id, the album this viewer may use with `permission`, or null. */
export interface AlbumGrant {
  readonly name: string;
  readonly permissions: ReadonlySet<AlbumPermission>;
  find(scope: SignedInScope, id: string): Promise<AlbumRecord | null>;
}

/** Owners may do everything with their own albums. */
export function albumOwnerGrant(albums: AlbumRepository): AlbumGrant {
  return {
    name: 'owner',
    permissions: new Set<AlbumPermission>(['album.read', 'album.write']),
    find: (scope, id) => albums.findOwned(scope.em, scope.viewer.user.id, id),
  };
}

/**
 * The one access check for albums, with the image policy's rules: a malformed, missing or
 * someone else's album is the same NOT_FOUND (null for a query); grants only add access; roles
 * grant nothing (an administrator sees only their own albums).
 */
export class AlbumPolicy {
  constructor(private readonly grants: readonly AlbumGrant[]) {}

  async find(scope: SignedInScope, permission: AlbumPermission, id: string): Promise<AlbumRecord | null> {
    if (typeof id !== 'string' || !UUID.test(id)) return null;
    for (const grant of this.grants) {
      if (!grant.permissions.has(permission)) continue;
      const album = await grant.find(scope, id);
      if (album) return album;
    }
    return null;
  }

  async require(scope: SignedInScope, permission: AlbumPermission, id: string): Promise<AlbumRecord> {
    const album = await this.find(scope, permission, id);
    if (!album) throw notFound();
    return album;
  }
}
