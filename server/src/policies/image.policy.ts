import { notFound } from '../errors.js';
import type { ImageRecord, ImageRepository, ImageState } from '../modules/image/image.repository.js';
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
  /** Change it (favourite, albums, seal) or move it to the trash. */
  | 'image.write'
  /** Its thumbnail, also from the trash (so the Trash page shows what it holds). */
  | 'image.thumbnail'
  /** Take it out of the trash. */
  | 'image.restore'
  /** Remove it for good, from the gallery or the trash. */
  | 'image.delete';

/**
 * Where an image must be for each permission. A trashed image is out of every listing, its
 * display image and original answer NOT_FOUND; only its thumbnail, restore and delete remain.
 */
const STATE_OF: Record<ImagePermission, ImageState> = {
  'image.read': 'gallery',
  'image.original': 'gallery',
  'image.write': 'gallery',
  'image.thumbnail': 'any',
  'image.restore': 'trash',
  'image.delete': 'any',
};

/**
 * A grant: of the `ids` asked for, the images this viewer may use with `permission`, as rows.
 * Grants only ever add access; no grant sees another grant's answer.
 */
export interface ImageGrant {
  readonly name: string;
  readonly permissions: ReadonlySet<ImagePermission>;
  find(scope: SignedInScope, ids: readonly string[], permission: ImagePermission): Promise<ImageRecord[]>;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The first grant and, today, the only one: owners may do everything with their own images. */
export function ownerGrant(images: ImageRepository): ImageGrant {
  return {
    name: 'owner',
    permissions: new Set(Object.keys(STATE_OF) as ImagePermission[]),
    find: (scope, ids, permission) => {
      const state = STATE_OF[permission];
      return ids.length === 1
        ? images.findOwned(scope.em, scope.viewer.user.id, ids[0]!, state).then((row) => (row ? [row] : []))
        : images.findOwnedMany(scope.em, scope.viewer.user.id, ids, state);
    },
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
      const rows = await grant.find(scope, wanted, permission);
      found.push(...rows);
      const given = new Set(rows.map((row) => row.id));
      wanted = wanted.filter((id) => !given.has(id));
    }
    return found;
  }
}
