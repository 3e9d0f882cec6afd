import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepository } from '../../src/modules/audit/audit.repository.js';
import { createLogger } from '../../src/logger.js';
import { systemScope } from '../../src/scope.js';
import { auditRows, login } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, type TestUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DAY = 86_400_000;
const silentLog = createLogger({ logLevel: 'silent' });
const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, any>);

/**
 * What an anonymous flood leaves behind (docs/hardening.md, Floods): throttled logins fold into one audit row per
 * minute with a count, their log lines are debug, the audit table is bounded by a retention
 * time, and no URL query string or credential header reaches a log line.
 */
describe.each(databases)('logs and the audit trail under a flood on %s', (kind) => {
  let server: TestServer;
  let user: TestUser;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(kind, { TRUST_PROXY: 'true', AUDIT_RETENTION_DAYS: '30' }, { logLines: lines });
    user = await newUser(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('folds throttled logins into one audit row with a count, logged at debug level', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.77' };
    let throttled = 0;
    for (let i = 0; i < 45; i++) {
      const res = await login(new ApiClient(server.url), user.username, 'wrong-password-1A!', ip);
      if (codeOf(res) === 'RATE_LIMITED') throttled++;
    }
    expect(throttled).toBeGreaterThanOrEqual(30);
    const rows = await auditRows(server, { userId: user.id, event: 'login.throttled' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toMatchObject({ repeated: throttled });
    const events = parsed(lines).filter((l) => l.audit === 'login.throttled');
    expect(events.filter((l) => l.level >= 30)).toHaveLength(1);
    expect(events.filter((l) => l.level === 20)).toHaveLength(throttled - 1);
    // The request lines of throttled answers are debug too; other requests stay info.
    const requests = parsed(lines).filter((l) => l.req?.remoteAddress !== undefined || l.res);
    expect(requests.filter((l) => l.level === 20).length).toBeGreaterThanOrEqual(throttled);
    expect(requests.some((l) => l.level === 30)).toBe(true);
  });

  it('keeps security events for the retention time only', async () => {
    const repo = new AuditRepository();
    const old = { id: randomUUID(), userId: user.id, event: 'login.success', ip: null, userAgent: null, requestId: 'old', details: null, createdAt: new Date(Date.now() - 31 * DAY) };
    const recent = { ...old, id: randomUUID(), requestId: 'recent', createdAt: new Date(Date.now() - 29 * DAY) };
    await repo.insert(server.orm.em.fork(), old);
    await repo.insert(server.orm.em.fork(), recent);
    const task = server.app.tasks.find((t) => t.name === 'old-audit-events')!;
    expect(await task.run(systemScope(server.orm.em.fork(), silentLog, 'test'))).toBeGreaterThanOrEqual(1);
    const ids = (await auditRows(server, { userId: user.id })).map((r) => r.id);
    expect(ids).not.toContain(old.id);
    expect(ids).toContain(recent.id);
  });

  it('logs request paths without their query strings and never a credential header', async () => {
    const secret = `lfk_${'s'.repeat(40)}`;
    await fetch(`${server.url}/graphql?access_token=${secret}&query=%7Bme%7Bid%7D%7D`);
    await fetch(`${server.url}/media/${randomUUID()}/thumbnail?token=${secret}`, { headers: { authorization: `Bearer ${user.token}` } });
    await user.client.gql('{ me { id } }', undefined, { cookie: `lockframe_session=${user.token}` });
    // A login answers with the new session in Set-Cookie (and the token in the body).
    const other = await newUser(server.url);
    const fresh = await login(new ApiClient(server.url), other.username, other.password, { 'x-forwarded-for': '203.0.113.77' });
    const cookie = fresh.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(fresh.data!.login.token);
    const all = lines.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(user.token);
    expect(all).not.toContain(fresh.data!.login.token);
    // Response lines carry the status, not the headers.
    expect(all).not.toMatch(/set-cookie/i);
    expect(all).toContain('?[redacted]');
  });
});

describe('the playground', () => {
  it('does not announce Express', async () => {
    const server = await startTestServer('sqlite', { PLAYGROUND: 'true' });
    try {
      const res = await fetch(`${server.url}/playground/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(await res.text()).toContain('preserveState');
    } finally {
      await server.close();
    }
  });
});
