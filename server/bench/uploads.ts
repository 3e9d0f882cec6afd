/** Phase `uploads`: HTTP upload throughput, then uploads with logins timed alongside. */
import { errorCode, fresh, type LoopbackClient, type MultipartForm } from './http.js';
import { count, latency, mib, round2, sleep, ticker, type CpuShares, type Latency, type ProcessWatch } from './measure.js';
import { loginLoop, probeLoop, type Account } from './logins.js';
import type { CeilingResult } from './ceiling.js';
import type { Options } from './options.js';

export interface UploadPhase {
  clients: number;
  uploads: number;
  seconds: number;
  uploadsPerSecond: number;
  latency: Latency;
  errors: Record<string, number>;
  busyRetries: number;
  peakRssMiB: number;
  serverCpuSecondsPerUpload: number;
  cpu: CpuShares;
  /** The second window: uploads go on while logins are timed. */
  underLogins: { seconds: number; uploads: number; uploadsPerSecond: number; cpu: CpuShares };
  login: Latency;
  loginErrors: Record<string, number>;
  /** `{ __typename }`: the wait for the event loop alone. */
  probe: Latency;
  ids: string[];
}

interface UploadLoad {
  samples: number[];
  ids: string[];
  errors: Map<string, number>;
  busyRetries: number;
}

/** `clients` uploaders, each sending its next photo as soon as the last one is answered, while `more()` says so. */
async function uploadLoad(
  client: LoopbackClient,
  uploader: Account,
  forms: MultipartForm[],
  clients: number,
  more: (started: number) => boolean,
  load: UploadLoad,
): Promise<void> {
  let started = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (more(started)) {
        const form = fresh(forms[started++ % forms.length]!);
        const t = performance.now();
        const res = await client.upload(form, uploader.token);
        const id = res.data?.uploadImage?.id;
        if (id) {
          load.samples.push(performance.now() - t);
          load.ids.push(id);
          continue;
        }
        const code = errorCode(res);
        if (code === 'SERVER_BUSY') {
          // Refused before any work: a client retries it, so it does not count as an upload.
          load.busyRetries++;
          started--;
          await sleep(1000 * Number(res.errors?.[0]?.extensions?.retryAfterSeconds ?? 2));
          continue;
        }
        count(load.errors, code);
        if (++failures > 20) {
          throw new Error(`uploads keep failing: ${res.raw.slice(0, 500)}`);
        }
      }
    }),
  );
}

/**
 * Two windows. First the throughput: N clients upload and nothing else happens, as in the
 * ceiling, so the two rates compare like for like. Then the uploads go on while one more client
 * logs in over and over: the login latency while uploads saturate the CPU.
 */
export async function uploadPhase(
  client: LoopbackClient,
  watch: ProcessWatch,
  uploader: Account,
  loginAccounts: Account[],
  forms: MultipartForm[],
  options: Options,
): Promise<UploadPhase> {
  const load: UploadLoad = { samples: [], ids: [], errors: new Map(), busyRetries: 0 };
  const loginSamples: number[] = [];
  const loginErrors = new Map<string, number>();
  const probeSamples: number[] = [];
  let window = 'throughput';
  let t0 = performance.now();
  let doneBefore = 0;
  const stopTicker = ticker(
    () =>
      `uploads (${window}): ${load.samples.length - doneBefore} done, ` +
      `${((load.samples.length - doneBefore) / ((performance.now() - t0) / 1000)).toFixed(2)}/s, ` +
      `${loginSamples.length} logins, server RSS ${mib(watch.rss())} MiB`,
  );
  try {
    watch.mark();
    const deadline = t0 + options.seconds * 1000;
    await uploadLoad(
      client,
      uploader,
      forms,
      options.clients,
      (started) => (options.uploads !== undefined ? started < options.uploads : performance.now() < deadline),
      load,
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = watch.cpuSinceMark();
    const shares = watch.shares();
    const uploads = load.samples.length;
    const throughput = {
      clients: options.clients,
      uploads,
      seconds: round2(seconds),
      uploadsPerSecond: round2(uploads / seconds),
      latency: latency(load.samples),
      serverCpuSecondsPerUpload: Math.round((1000 * cpu) / Math.max(1, uploads)) / 1000,
      cpu: shares,
    };

    window = 'with logins';
    doneBefore = uploads;
    const peakSoFar = watch.peak();
    watch.mark();
    t0 = performance.now();
    const loginDeadline = t0 + options.loginSeconds * 1000;
    const stopLogins = { done: false };
    const logins = loginLoop(client, loginAccounts, options.loginRate, stopLogins, loginSamples, loginErrors);
    const probes = probeLoop(client, 5, stopLogins, probeSamples);
    try {
      await uploadLoad(client, uploader, forms, options.clients, () => performance.now() < loginDeadline, load);
    } finally {
      stopLogins.done = true;
      await Promise.all([logins, probes]);
    }
    const loginWindow = (performance.now() - t0) / 1000;
    const uploadsUnderLogins = load.samples.length - uploads;
    return {
      ...throughput,
      errors: Object.fromEntries(load.errors),
      busyRetries: load.busyRetries,
      peakRssMiB: mib(Math.max(peakSoFar, watch.peak())),
      underLogins: {
        seconds: round2(loginWindow),
        uploads: uploadsUnderLogins,
        uploadsPerSecond: round2(uploadsUnderLogins / loginWindow),
        cpu: watch.shares(),
      },
      login: latency(loginSamples),
      loginErrors: Object.fromEntries(loginErrors),
      probe: latency(probeSamples),
      ids: load.ids,
    };
  } finally {
    stopTicker();
  }
}

/** The upload figures as reported: without the ids, and set against the ceiling. */
export type UploadSummary = Omit<UploadPhase, 'ids'> & {
  ratioToCeiling: number | null;
  /** Ceiling CPU per image ÷ server CPU per upload: the ratio the throughputs would have on an idle machine. */
  cpuEfficiencyToCeiling: number | null;
};

export function uploadSummary({ ids: _ids, ...u }: UploadPhase, ceiling: CeilingResult | null): UploadSummary {
  return {
    ...u,
    ratioToCeiling: ceiling ? round2(u.uploadsPerSecond / ceiling.imagesPerSecond) : null,
    cpuEfficiencyToCeiling: ceiling ? round2(ceiling.cpuSecondsPerImage / u.serverCpuSecondsPerUpload) : null,
  };
}
