import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import ZipStream from 'zip-stream';
import { AppError } from '../../errors.js';
import type { SignedInScope } from '../../scope.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ImageRecord, ImageRepository } from '../image/image.repository.js';
import type { ImageService } from '../image/image.service.js';

const PAGE = 100;
/** Zip output waiting for a slow client: above this the export waits instead of reading more photos. */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** The client closed the connection before the zip was complete. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection during the export');
    this.name = 'ClientGone';
  }
}

/** File names in a zip that never collide (case-insensitively, as on most desktops), keeping the extension. */
export class UniqueNames {
  private readonly taken = new Set<string>(['metadata.json']);

  take(wanted: string): string {
    const name = wanted.replace(/[\\/]/g, '_').replace(/^\.+/, '') || 'photo';
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = name;
    for (let n = 2; this.taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    this.taken.add(candidate.toLowerCase());
    return candidate;
  }
}

interface ExportedEntry {
  file: string;
  id: string;
  originalName: string;
  mimeType: string;
  width: number;
  height: number;
  byteSize: number;
  uploadedAt: string;
  metadata: unknown;
}

/**
 * Everything of the viewer's, as a zip streamed to `out`: every original byte-exact under a
 * unique name (the one it was uploaded with), then metadata.json. Photos are read one at a time
 * and the zip waits for a slow client, so memory stays flat however many there are. An image
 * that fails its integrity check is left out and listed in metadata.json.
 */
export class ExportService {
  constructor(private readonly deps: { images: ImageService; imageRows: ImageRepository; audit: AuditService }) {}

  async write(scope: SignedInScope, out: Writable): Promise<void> {
    const zip = new ZipStream({ store: true });
    zip.pipe(out);
    const add = async (data: Buffer, name: string, date: Date) => {
      await new Promise<void>((resolve, reject) => zip.entry(data, { name, date }, (error) => (error ? reject(error) : resolve())));
      // A client that went away never drains: stop instead of waiting forever.
      while (zip.readableLength > MAX_BUFFERED || out.writableLength > MAX_BUFFERED) {
        if (out.destroyed) break;
        await Promise.race([once(out, 'drain'), once(out, 'close')]);
      }
      if (out.destroyed) throw new ClientGone();
    };
    const names = new UniqueNames();
    const exported: ExportedEntry[] = [];
    const skipped: Array<{ id: string; reason: string }> = [];
    for await (const row of this.rows(scope)) {
      const view = await this.deps.images.find(scope, row.id);
      if (!view) continue; // deleted meanwhile
      try {
        const { data } = await this.deps.images.readVariant(scope, row, 'original');
        const file = names.take(view.filename);
        await add(data, file, row.createdAt);
        exported.push({
          file,
          id: row.id,
          originalName: view.filename,
          mimeType: row.mimeType,
          width: row.width,
          height: row.height,
          byteSize: row.byteSize,
          uploadedAt: row.createdAt.toISOString(),
          metadata: await view.metadata(),
        });
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'INTEGRITY_ERROR') throw error;
        skipped.push({ id: row.id, reason: 'failed its integrity check' });
      }
    }
    const summary = { exportedAt: new Date().toISOString(), account: scope.viewer.user.username, images: exported, skipped };
    await add(Buffer.from(JSON.stringify(summary, null, 2)), 'metadata.json', new Date());
    zip.finish();
    await finished(out);
    await this.deps.audit.record(scope, 'export', scope.viewer.user.id, { images: exported.length });
  }

  /** The viewer's image rows, page by page (newest first), never all at once. */
  private async *rows(scope: SignedInScope): AsyncGenerator<ImageRecord> {
    let cursor: { createdAt: Date; id: string } | null = null;
    for (;;) {
      // The trash too: it is still the owner's, until the purge.
      const page: ImageRecord[] = await this.deps.imageRows.page(scope.em, scope.viewer.user.id, { state: 'any' }, cursor, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      const last = page.at(-1)!;
      cursor = { createdAt: last.createdAt, id: last.id };
    }
  }
}
