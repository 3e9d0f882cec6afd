import { UPLOAD_CONCURRENCY } from '../config.ts';
import type { UploadedImage } from '../graphql/documents.ts';
import { pluralize } from '../format.ts';
import { uploadImage } from '../services/image.service.ts';
import { TaskPool } from '../task-pool.ts';
import { serverConfig } from './server-config.svelte.ts';
import { toasts } from './toast.svelte.ts';
import { checkFile } from '../validation/file.ts';

export type UploadStatus = 'rejected' | 'queued' | 'uploading' | 'processing' | 'done' | 'failed';

let nextId = 1;

/** One file in the upload list: its progress, then its photo or the reason it was refused. */
export class UploadItem {
  readonly id = nextId++;
  readonly file: File;
  status = $state<UploadStatus>('queued');
  /** Fraction sent, 0 to 1. */
  progress = $state(0);
  message = $state('');
  image = $state<UploadedImage | null>(null);

  constructor(file: File) {
    this.file = file;
  }

  get name(): string {
    return this.file.name;
  }

  get size(): number {
    return this.file.size;
  }

  get finished(): boolean {
    return this.status === 'done' || this.status === 'failed' || this.status === 'rejected';
  }
}

/**
 * Every file picked or dropped, uploaded two at a time. Lives for the whole tab, so uploads go on
 * while the person looks at the gallery; each batch ends with one summary message.
 */
class UploadQueue {
  items = $state<UploadItem[]>([]);
  /** Photos uploaded in this tab, newest first; the gallery puts them on top. */
  uploaded = $state<UploadedImage[]>([]);
  readonly #pool = new TaskPool(UPLOAD_CONCURRENCY);
  #batch = { done: 0, failed: 0, pending: 0 };

  get busy(): boolean {
    return this.items.some((item) => !item.finished);
  }

  get hasFinished(): boolean {
    return this.items.some((item) => item.finished);
  }

  add(files: Iterable<File>): void {
    const added: UploadItem[] = [];
    for (const file of files) {
      const item = new UploadItem(file);
      const problem = checkFile(file, serverConfig.maxUploadBytes);
      if (problem) {
        item.status = 'rejected';
        item.message = problem.message;
        this.#batch.failed += 1;
      } else {
        this.#batch.pending += 1;
      }
      added.push(item);
    }
    if (added.length === 0) return;
    // Newest picks on top, in the order they were picked.
    this.items = [...added, ...this.items];
    for (const item of added) if (item.status === 'queued') void this.#pool.run(() => this.#upload(item));
    this.#announceIfIdle();
  }

  /** Removes rows that are done or failed; rows still uploading stay. */
  clearFinished(): void {
    this.items = this.items.filter((item) => !item.finished);
  }

  async #upload(item: UploadItem): Promise<void> {
    item.status = 'uploading';
    const outcome = await uploadImage(item.file, {
      onProgress: (fraction) => {
        item.progress = fraction;
      },
      onSent: () => {
        item.status = 'processing';
      },
    });
    if (outcome.ok) {
      item.status = 'done';
      item.progress = 1;
      item.image = outcome.value;
      item.message = 'Uploaded';
      this.uploaded = [outcome.value, ...this.uploaded];
      this.#batch.done += 1;
    } else {
      item.status = 'failed';
      item.message = outcome.error.message;
      this.#batch.failed += 1;
    }
    this.#batch.pending -= 1;
    this.#announceIfIdle();
  }

  #announceIfIdle(): void {
    const { done, failed, pending } = this.#batch;
    if (pending > 0 || done + failed === 0) return;
    this.#batch = { done: 0, failed: 0, pending: 0 };
    if (failed === 0) toasts.success(`Uploaded ${pluralize(done, 'photo')}.`);
    else if (done === 0) toasts.error(`${pluralize(failed, 'file')} could not be uploaded. The list says why.`);
    else toasts.error(`Uploaded ${pluralize(done, 'photo')}; ${pluralize(failed, 'file')} could not be uploaded. The list says why.`);
  }
}

export const uploads = new UploadQueue();
