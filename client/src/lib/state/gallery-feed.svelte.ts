import { GALLERY_PAGE_SIZE } from '../config.ts';
import type { AppError } from '../errors.ts';
import { client } from '../graphql/client.ts';
import { ImagesQuery, SearchImagesQuery, TrashedImagesQuery, type ImageFilter, type ImageOrder, type ImageSummary } from '../graphql/documents.ts';
import { appendUnique, prependUnique } from '../pagination.ts';
import { handleError } from '../services/handle-error.ts';

/** Which list a feed pages through: the gallery, or the trash. */
export type FeedSource = 'gallery' | 'trash';

/** The gallery's (or the trash's) pages of photos, newest first, fetched fresh from the server every time. */
export class GalleryFeed {
  readonly source: FeedSource;
  images = $state<ImageSummary[]>([]);
  /** The search shown, or null for every photo. */
  filter = $state.raw<ImageFilter | null>(null);
  order = $state<ImageOrder>('UPLOADED');
  totalCount = $state<number | null>(null);
  hasNextPage = $state(false);
  loading = $state(false);
  /** Loading a first page while an older answer is still shown (e.g. a new search). */
  refreshing = $state(false);
  error = $state<AppError | null>(null);
  #endCursor: string | null = null;
  /** Bumped by reload(), so an answer to an older request is ignored. */
  #generation = 0;

  constructor(source: FeedSource = 'gallery') {
    this.source = source;
  }

  /** True once the first page has arrived. */
  get loaded(): boolean {
    return this.totalCount !== null;
  }

  /** Shows the photos matching `filter` (null: all of them) in `order`, from the first page. */
  show(filter: ImageFilter | null, order: ImageOrder = 'UPLOADED'): Promise<void> {
    this.filter = filter;
    this.order = order;
    return this.reload();
  }

  reload(): Promise<void> {
    this.#generation += 1;
    this.#endCursor = null;
    this.hasNextPage = false;
    return this.#fetch(null);
  }

  loadMore(): Promise<void> {
    if (this.loading || !this.hasNextPage || this.error) return Promise.resolve();
    return this.#fetch(this.#endCursor);
  }

  /** Retry after an error: the next page if some are shown, the first otherwise. */
  retry(): Promise<void> {
    this.error = null;
    return this.loaded ? this.#fetch(this.#endCursor) : this.reload();
  }

  /**
   * Photos uploaded while the gallery is open go on top, without refetching what is shown. Not
   * during a search (whether a new photo matches is the server's call) nor by capture time
   * (where it belongs is too).
   */
  addNewest(images: readonly ImageSummary[]): void {
    if (!this.loaded || this.filter || this.order !== 'UPLOADED') return;
    const { items, added } = prependUnique(this.images, images);
    if (added === 0) return;
    this.images = items;
    this.totalCount = (this.totalCount ?? 0) + added;
  }

  /** Takes photos off the list without refetching (restored from, or deleted in, the trash). */
  remove(ids: readonly string[]): void {
    const before = this.images.length;
    this.images = this.images.filter((image) => !ids.includes(image.id));
    if (this.totalCount !== null) this.totalCount = Math.max(0, this.totalCount - (before - this.images.length));
  }

  async #fetch(after: string | null): Promise<void> {
    const generation = this.#generation;
    this.loading = true;
    this.refreshing = after === null && this.loaded;
    this.error = null;
    const filter = this.filter;
    const order = this.order;
    const result = await (this.source === 'trash'
      ? client.query(TrashedImagesQuery, { first: GALLERY_PAGE_SIZE, after }, { requestPolicy: 'network-only' })
      : filter
      ? client.query(SearchImagesQuery, { first: GALLERY_PAGE_SIZE, after, filter, order }, { requestPolicy: 'network-only' })
      : client.query(ImagesQuery, { first: GALLERY_PAGE_SIZE, after, order }, { requestPolicy: 'network-only' })
    ).toPromise();
    if (generation !== this.#generation) return;
    this.loading = false;
    this.refreshing = false;
    const data = result.data;
    const page = data && ('trashedImages' in data ? data.trashedImages : data.images);
    if (result.error || !page) {
      this.error = handleError(result.error, { context: this.source === 'trash' ? 'Could not load the trash' : filter ? 'Could not search your photos' : 'Could not load your photos' });
      return;
    }
    this.images = after ? appendUnique(this.images, page.nodes) : page.nodes;
    this.totalCount = page.totalCount;
    this.hasNextPage = page.pageInfo.hasNextPage && page.pageInfo.endCursor !== null;
    this.#endCursor = page.pageInfo.endCursor;
  }
}
