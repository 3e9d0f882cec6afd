import { Router, type Request, type Response } from 'express';
import { AppError } from '../../errors.js';
import type { RequestContext } from '../../graphql/context.js';
import type { BlobVariant } from '../../storage/blob-store.js';
import type { ImageService } from './image.service.js';

const VARIANTS: Record<string, BlobVariant> = { display: 'display', thumbnail: 'thumbnail', original: 'original' };

/** RFC 6266 / 5987: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Image bytes over plain HTTP; the same access rule as GraphQL via ImageService.readVariant. */
export function imageRoutes(images: ImageService, contextOf: (req: Request) => RequestContext): Router {
  const router = Router();

  router.get('/media/:id/:variant', async (req: Request, res: Response) => {
    const ctx = contextOf(req);
    res.set({ 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' });
    const variant = VARIANTS[String(req.params.variant)];
    try {
      if (!variant) throw new AppError('NOT_FOUND', 'Not found.');
      const { image, data, mimeType } = await images.readVariant(ctx.em, ctx.viewer, String(req.params.id), variant);
      res.set({
        'Content-Type': mimeType,
        'Content-Length': String(data.length),
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cross-Origin-Resource-Policy': 'same-origin',
      });
      if (variant === 'original') res.set('Content-Disposition', contentDisposition(image.filename));
      res.end(data);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      res.status(error.httpStatus).json({ error: { code: error.code, message: error.message } });
    }
  });

  return router;
}
