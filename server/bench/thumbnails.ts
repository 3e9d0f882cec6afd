/** Phase `thumbnails`: thumbnail GETs per second over raw keep-alive connections. */
import { connect } from 'node:net';
import type { LoopbackClient } from './http.js';
import type { Account } from './logins.js';
import { count, latency, round2, type CpuShares, type Latency, type ProcessWatch } from './measure.js';
import type { Options } from './options.js';

export interface ThumbnailPhase {
  clients: number;
  images: number;
  requests: number;
  seconds: number;
  perSecond: number;
  latency: Latency;
  errors: Record<string, number>;
  serverCpuMsPerRequest: number;
  cpu: CpuShares;
}

export async function thumbnailPhase(
  client: LoopbackClient,
  watch: ProcessWatch,
  account: Account,
  ids: string[],
  options: Options,
): Promise<ThumbnailPhase> {
  const targets = ids.slice(0, 50);
  const headers = { authorization: `Bearer ${account.token}` };
  const probe = await client.request('GET', `/media/${targets[0]}/thumbnail`, headers);
  if (probe.status !== 200 || probe.bytes === 0) throw new Error(`thumbnail GET answered ${probe.status}`);
  const samples: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  watch.mark();
  const t0 = performance.now();
  const deadline = t0 + options.thumbSeconds * 1000;
  const requestFor = (id: string) =>
    Buffer.from(`GET /media/${id}/thumbnail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${headers.authorization}\r\n\r\n`, 'latin1');
  const requests = targets.map(requestFor);
  await Promise.all(
    Array.from({ length: options.thumbClients }, () =>
      rawGetLoop(client.port, () => requests[next++ % requests.length]!, deadline, (status, ms) => {
        if (status === 200) samples.push(ms);
        else count(errors, `HTTP_${status}`);
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = watch.cpuSinceMark();
  return {
    clients: options.thumbClients,
    serverCpuMsPerRequest: round2((1000 * serverCpu) / Math.max(1, samples.length)),
    cpu: watch.shares(),
    images: targets.length,
    requests: samples.length,
    seconds: round2(seconds),
    perSecond: Math.round(samples.length / seconds),
    latency: latency(samples),
    errors: Object.fromEntries(errors),
  };
}

/**
 * GETs over one keep-alive connection until the deadline, as cheaply as a client can: the request
 * bytes are made once and the answer is parsed only for its status and Content-Length. Node's
 * http client costs ~0.5 ms of CPU per request, which on a small machine takes CPU the server
 * being measured would otherwise have.
 */
function rawGetLoop(
  port: number,
  nextRequest: () => Buffer,
  deadline: number,
  onAnswer: (status: number, ms: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = () => {
      if (performance.now() >= deadline) {
        socket.end();
        return resolve();
      }
      sentAt = performance.now();
      socket.write(nextRequest());
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const headerEnd = pending.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = pending.toString('latin1', 0, headerEnd);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!length) {
          socket.destroy();
          return reject(new Error(`thumbnail answer without Content-Length (status ${status})`));
        }
        const total = headerEnd + 4 + Number(length[1]);
        if (pending.length < total) return;
        pending = pending.subarray(total);
        onAnswer(status, performance.now() - sentAt);
        if (/\r\nconnection:\s*close/i.test(head)) {
          socket.destroy();
          return resolve();
        }
        send();
      }
    });
    socket.on('error', reject);
  });
}
