import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, outboxMails, Q } from '../support/accounts.js';
import { ApiClient, newUser, STRONG_PASSWORD } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Addresses and usernames are compared exactly (after trimming and lower-casing) on every
 * database: on MySQL/MariaDB's default collation an accented look-alike was the same address,
 * so it blocked the owner's registration and took their reset mails (docs/hardening.md).
 */
describe.each(databases)('look-alike e-mail addresses on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("keep an accented look-alike apart from the real address: registration, login and reset mails", async () => {
    const attacker = await newUser(server.url, { username: 'mallory_la', email: 'victim@exämple.com' });
    const owner = await newUser(server.url, { username: 'victim_la', email: 'victim@example.com' });
    expect(owner.id).not.toBe(attacker.id);
    const me = await owner.client.gql(Q.me);
    expect(me.data?.me).toMatchObject({ username: 'victim_la', email: 'victim@example.com' });

    // Each address logs into its own account only.
    const byOwnerAddress = await login(new ApiClient(server.url), 'VICTIM@example.com', STRONG_PASSWORD);
    expect(byOwnerAddress.data?.login.user.id).toBe(owner.id);
    const byLookalike = await login(new ApiClient(server.url), 'victim@exämple.com', STRONG_PASSWORD);
    expect(byLookalike.data?.login.user.id).toBe(attacker.id);

    // A reset asked for the owner's address is mailed to the owner's address, and only there.
    const before = (await outboxMails(server)).length;
    expect((await new ApiClient(server.url).gql(Q.requestReset, { email: 'victim@example.com' })).errors).toBeUndefined();
    const mails = (await outboxMails(server)).slice(before);
    expect(mails.map((m) => m.to)).toEqual([expect.stringContaining('victim@example.com')]);
    expect(mails[0]!.text).toContain('victim_la');
  });
});
