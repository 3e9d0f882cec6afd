import { Router, type Request, type Response } from 'express';
import { AppError } from '../../errors.js';
import { scopeOf, sendPlainError, type AuthEdge } from '../../http/auth-edge.js';
import { signedIn } from '../../scope.js';
import { ClientGone, type ExportService } from './export.service.js';

/** GET /export: the viewer's photos as a streamed zip (session cookie or bearer token). */
export function exportRoutes(exports: ExportService, edge: AuthEdge): Router {
  const router = Router();
  router.get('/', edge.requireSignedIn, async (req: Request, res: Response) => {
    const scope = signedIn(scopeOf(req));
    const day = new Date().toISOString().slice(0, 10);
    res.status(200).set({
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="lockframe-export-${scope.viewer.user.username}-${day}.zip"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    try {
      await exports.write(scope, res);
    } catch (error) {
      if (error instanceof ClientGone) return void scope.log.info('export cut short: the client went away');
      scope.log.error({ err: error }, 'export failed');
      // Nothing sent yet: a proper error. Otherwise the zip is cut short, which unzip reports as broken.
      if (!res.headersSent) sendPlainError(res, error instanceof AppError ? error : new AppError('INTERNAL_SERVER_ERROR', 'The export failed. Please try again.'));
      else res.destroy();
    }
  });
  return router;
}
