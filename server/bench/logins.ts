/** Accounts, and the logins timed while idle and under upload load. */
import { randomBytes } from 'node:crypto';
import type { Orm } from '../src/db/orm.js';
import { User } from '../src/modules/user/user.entity.js';
import { newUser, type TestUser } from '../test/support/client.js';
import { errorCode, type LoopbackClient } from './http.js';
import { count, latency, round2, sleep, type Latency, type ProcessWatch } from './measure.js';

export type Account = Pick<TestUser, 'id' | 'username' | 'password' | 'token'>;

/** Distinct users for the logins under load (the server's registration limit allows 10 an hour per address). */
export const LOGIN_ACCOUNTS = 4;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { token user { id } } }';

/** A fresh user made by the tests' factory, with a password of the bench's own. */
export async function createAccount(baseUrl: string, orm: Orm, label: string): Promise<Account> {
  const username = `bench_${label}_${randomBytes(3).toString('hex')}`;
  const password = `Bench-${randomBytes(12).toString('base64url')}-7q!`;
  const account = await newUser(baseUrl, { username, password });
  // Nobody reads the bench's mail: mark the address verified, as clicking the link would, so
  // uploads work with --env REQUIRE_EMAIL_VERIFICATION=true (or SMTP_URL) too.
  await orm.em.fork().nativeUpdate(User, { id: account.id }, { emailVerified: true });
  return account;
}

/** 30 logins one after another, the first 5 as warm-up: latency, and server CPU per login. */
export async function idleLogins(
  client: LoopbackClient,
  watch: ProcessWatch,
  account: Account,
): Promise<{ loginIdle: Latency; loginCpuMs: number }> {
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    if (i === 5) watch.mark(); // the first few warm up
    const t = performance.now();
    const res = await client.gql(LOGIN, { input: { username: account.username, password: account.password } });
    if (!res.data) throw new Error(`login failed: ${res.raw}`);
    samples.push(performance.now() - t);
  }
  const loginIdle = latency(samples.slice(5));
  return { loginIdle, loginCpuMs: round2((1000 * watch.cpuSinceMark()) / loginIdle.count) };
}

/**
 * Starts `job(k)` at a steady rate until stopped: open loop, so a slow answer does not delay the
 * next one (users do not wait for each other), and the jobs' own CPU stays a small, known share
 * instead of competing with the uploads as hard as it can.
 */
async function steadily(perSecond: number, stop: { done: boolean }, job: (k: number) => Promise<void>): Promise<void> {
  const inFlight: Array<Promise<void>> = [];
  const t0 = performance.now();
  for (let k = 0; !stop.done; k++) {
    const wait = t0 + (k * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    if (stop.done) break;
    inFlight.push(job(k));
  }
  await Promise.all(inFlight);
}

/** The accounts take turns: the server throttles parallel attempts on one account, and that limiter is not what is measured. */
export function loginLoop(
  client: LoopbackClient,
  accounts: Account[],
  perSecond: number,
  stop: { done: boolean },
  samples: number[],
  errors: Map<string, number>,
): Promise<void> {
  return steadily(perSecond, stop, async (k) => {
    const account = accounts[k % accounts.length]!;
    const t = performance.now();
    const res = await client.gql<{ login: { token: string } }>(LOGIN, {
      input: { username: account.username, password: account.password },
    });
    if (res.data?.login) samples.push(performance.now() - t);
    else count(errors, errorCode(res));
  });
}

/**
 * The cheapest GraphQL request there is (no token, so no database): its latency is the time a
 * request waits for the server's event loop, which every login step pays too.
 */
export function probeLoop(client: LoopbackClient, perSecond: number, stop: { done: boolean }, samples: number[]): Promise<void> {
  return steadily(perSecond, stop, async () => {
    const t = performance.now();
    const res = await client.gql<{ __typename: string }>('{ __typename }', {});
    if (res.data?.__typename) samples.push(performance.now() - t);
  });
}
