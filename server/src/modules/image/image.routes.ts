import { Router, type Request, type Response } from 'express';
import { infrastructureError } from '../../db/failures.js';
import { AppError, notFound } from '../../errors.js';
import { scopeOf, sendPlainError, type AuthEdge } from '../../http/auth-edge.js';
import { MEDIA_CSP } from '../../http/security.js';
import { signedIn } from '../../scope.js';
import type { BlobVariant } from '../../storage/blob-store.js';
import type { ImageService } from './image.service.js';

const VARIANTS: Record<string, BlobVariant> = { display: 'display', thumbnail: 'thumbnail', original: 'original' };

/** RFC 6266 / 5987: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A stored variant never changes for a given image, so its id and name make a strong validator. */
const etagOf = (id: string, variant: BlobVariant) => `"${id}.${variant}.1"`;

function ifNoneMatch(req: Request, etag: string): boolean {
  const header = req.get('if-none-match');
  return !!header && header.split(',').some((t) => t.trim() === etag || t.trim() === '*');
}

/**
 * Image bytes over plain HTTP: authenticate (the edge, before this router) → the shared access
 * check → decrypt → serve with headers that keep the bytes inert.
 */
export function imageRoutes(images: ImageService, edge: AuthEdge): Router {
  const router = Router();

  router.get('/:id/:variant', edge.requireSignedIn, async (req: Request, res: Response) => {
    const scope = signedIn(scopeOf(req));
    res.set({
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': MEDIA_CSP,
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    try {
      const variant = VARIANTS[String(req.params.variant)];
      if (!variant) throw notFound();
      const image = await images.requireMedia(scope, String(req.params.id), variant);
      const etag = etagOf(image.id, variant);
      res.set('ETag', etag);
      if (ifNoneMatch(req, etag)) return void res.status(304).end();
      const { filename, data, mimeType } = await images.readVariant(scope, image, variant);
      res.set({ 'Content-Type': mimeType, 'Content-Length': String(data.length) });
      if (variant === 'original') res.set('Content-Disposition', contentDisposition(filename));
      res.end(data);
    } catch (caught) {
      const infrastructure = caught instanceof AppError ? null : infrastructureError(caught);
      if (infrastructure) scope.log.error({ err: caught }, `infrastructure failure: ${infrastructure.code}`);
      const error = caught instanceof AppError ? caught : infrastructure;
      if (!error) throw caught;
      sendPlainError(res, error);
    }
  });

  return router;
}
