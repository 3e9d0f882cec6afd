/** Phase `burst`: peak server memory with many 5 MiB uploads sent at once. */
import { errorCode, fresh, multipartForm, type LoopbackClient } from './http.js';
import { count, mib, round2, sleep, type ProcessWatch } from './measure.js';
import type { Account } from './logins.js';

export interface BurstPhase {
  uploads: number;
  fileBytes: number;
  ok: number;
  busyRetries: number;
  errors: Record<string, number>;
  seconds: number;
  peakRssMiB: number;
  idleRssMiB: number;
}

/** `n` uploads of exactly 5 MiB sent at the same moment; SERVER_BUSY is retried as a client would. */
export async function burstPhase(client: LoopbackClient, watch: ProcessWatch, account: Account, file: Buffer, n: number): Promise<BurstPhase> {
  const form = multipartForm(file, 'five-mib.jpg');
  const errors = new Map<string, number>();
  let ok = 0;
  let busyRetries = 0;
  await sleep(500);
  const idle = watch.rss();
  watch.mark();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      const mine = fresh(form);
      for (let attempt = 0; attempt < 30; attempt++) {
        const res = await client.upload(mine, account.token);
        if (res.data?.uploadImage?.id) return void ok++;
        const code = errorCode(res);
        if (code !== 'SERVER_BUSY') return void count(errors, code);
        busyRetries++;
        await sleep(1000 * Number(res.errors?.[0]?.extensions?.retryAfterSeconds ?? 2));
      }
      count(errors, 'GAVE_UP_BUSY');
    }),
  );
  return {
    uploads: n,
    fileBytes: file.length,
    ok,
    busyRetries,
    errors: Object.fromEntries(errors),
    seconds: round2((performance.now() - t0) / 1000),
    peakRssMiB: mib(watch.peak()),
    idleRssMiB: mib(idle),
  };
}
