/** Phase `gallery`, its search: images(filter: { filename }) over the gallery's rows, the first time and cached. */
import type { LoopbackClient } from './http.js';
import type { Account } from './logins.js';
import { latency, type Latency } from './measure.js';

const SEARCH_QUERY = `query Search($filter: ImageFilter) {
  images(first: 24, filter: $filter) { totalCount nodes { id filename } }
}`;
/** galleryRow names its images IMG_20000.jpg, IMG_20001.jpg, …: this matches IMG_29990 to IMG_29999. */
const SEARCH_TEXT = 'img_2999';

/** One search that opens the owner's index, then 50 on the cached index; each checked for the right 10 names. */
export async function searchTimings(client: LoopbackClient, owner: Account): Promise<{ searchColdMs: number; searchWarm: Latency }> {
  const search = async () => {
    const t = performance.now();
    const res = await client.gql<{ images: { totalCount: number; nodes: Array<{ filename: string }> } }>(
      SEARCH_QUERY,
      { filter: { filename: SEARCH_TEXT } },
      owner.token,
    );
    const ms = performance.now() - t;
    const names = res.data?.images.nodes.map((n) => n.filename) ?? [];
    if (res.errors || res.data?.images.totalCount !== 10 || !names.every((n) => n.toLowerCase().startsWith(SEARCH_TEXT))) {
      throw new Error(`search answered wrongly: ${res.raw.slice(0, 500)}`);
    }
    return ms;
  };
  const searchColdMs = await search();
  const searchWarm: number[] = [];
  for (let i = 0; i < 50; i++) searchWarm.push(await search());
  return { searchColdMs: Math.round(searchColdMs), searchWarm: latency(searchWarm) };
}
