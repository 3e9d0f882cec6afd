import { notFound } from '../errors.js';
import type { ImageRecord, ImageRepository } from '../modules/image/image.repository.js';
import type { SignedInScope } from '../scope.js';

/**
 * What a viewer may do with an image. Each operation asks for the one permission it needs, so a
 * later grant (an album a viewer belongs to, a share link) can give some of them and not others.
 */
export type ImagePermission =
  /** See it in a listing, its details, its display image and thumbnail. */
  | 'image.read'
  /** Download the exact uploaded bytes and their original file name. */
  | 'image.original'
  /** Change it (favourite, albums, seal) or remove it. */
  | 'image.write';

/**
 * A grant: of the `ids` asked for, the images this viewer may use with `permission`, as rows.
 * Grants only ever add access; no grant sees another grant's answer.
 */
export interface ImageGrant {
  readonly name: string;
  readonly permissions: ReadonlySet<ImagePermission>;
  find(scope: SignedInScope, ids: readonly string[]): Promise<ImageRecord[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The first grant and, today, the only one: owners may do everything with their own images. */
export function ownerGrant(images: ImageRepository): ImageGrant {
  return {
    name: 'owner',
    permissions: new Set<ImagePermission>(['image.read', 'image.original', 'image.write']),
    find: (scope, ids) =>
      ids.length === 1 ? images.findOwned(scope.em, scope.viewer.user.id, ids[0]!).then((row) => (row ? [row] : [])) : images.findOwnedMany(scope.em, scope.viewer.user.id, ids),
  };
}

/**
 * The one access check for images, used by GraphQL and the media routes alike.
 *
 * Rules, in order:
 * 1. An id that is malformed, missing or not granted is the same NOT_FOUND: nobody learns that
 *    someone else's image exists.
 * 2. The owner grant comes first; further grants (album membership, share links) are added
 *    beside it and are asked only for the ids no earlier grant gave.
 * 3. Roles are not grants. An administrator manages accounts and is given no permission on
 *    anyone's images here: an admin reads their own photos through the owner grant and no one
 *    else's. No grant may look at the viewer's role.
 */
export class ImagePolicy {
  constructor(private readonly grants: readonly ImageGrant[]) {}

  /** The image, or NOT_FOUND. */
  async require(scope: SignedInScope, permission: ImagePermission, id: string): Promise<ImageRecord> {
    const [image] = await this.allowed(scope, permission, [id]);
    if (!image) throw notFound();
    return image;
  }

  /** The images of `ids` the viewer may use with `permission`; others are silently left out. */
  async allowed(scope: SignedInScope, permission: ImagePermission, ids: readonly string[]): Promise<ImageRecord[]> {
    let wanted = [...new Set(ids.filter((id) => typeof id === 'string' && UUID.test(id)))];
    const found: ImageRecord[] = [];
    for (const grant of this.grants) {
      if (!wanted.length) break;
      if (!grant.permissions.has(permission)) continue;
      const rows = await grant.find(scope, wanted);
      found.push(...rows);
      const given = new Set(rows.map((row) => row.id));
      wanted = wanted.filter((id) => !given.has(id));
    }
    return found;
  }
}
