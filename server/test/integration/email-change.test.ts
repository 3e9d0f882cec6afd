import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, loginOk, outboxMails, Q } from '../support/accounts.js';
import { ApiClient, codeOf, newUser } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const CHANGE = `mutation($e: String!, $p: String!) { changeEmail(newEmail: $e, password: $p) }`;
const CONFIRM = `mutation($t: String!) { confirmEmailChange(token: $t) { id email emailVerified } }`;
const LINK = /\/confirm-email#token=([A-Za-z0-9_-]{43})/;

describe.each(databases)('changing the e-mail address (%s)', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('needs the password and a valid new address', async () => {
    const user = await newUser(server.url);
    const wrong = await user.client.gql(CHANGE, { e: 'new@example.com', p: 'Not-The-Password-1' });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0]!.extensions!.field).toBe('password');
    expect(codeOf(await user.client.gql(CHANGE, { e: 'not-an-address', p: user.password }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await user.client.gql(CHANGE, { e: user.email.toUpperCase(), p: user.password }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await new ApiClient(server.url).gql(CHANGE, { e: 'x@example.com', p: 'x' }))).toBe('UNAUTHENTICATED');
  });

  it('mails a link to the new address and a notice to the old; switches only once the link is opened, once', async () => {
    const user = await newUser(server.url);
    const target = `moved.${kind}.${user.username}@example.org`;
    const res = await user.client.gql(CHANGE, { e: target.toUpperCase(), p: user.password });
    expect(res.data).toEqual({ changeEmail: true });
    // Not yet.
    expect((await user.client.gql(Q.me)).data!.me.email).toBe(user.email);

    const mails = await outboxMails(server);
    const link = mails.find((m) => m.to.includes(target));
    const notice = mails.find((m) => m.to.includes(user.email) && m.subject.includes('being changed'));
    expect(link?.subject).toBe('Confirm your new e-mail address for Lockframe');
    expect(notice).toBeDefined();
    // The notice never carries the link.
    expect(notice!.text).not.toMatch(LINK);
    const token = LINK.exec(link!.text)![1]!;

    const confirmed = await new ApiClient(server.url).gql(CONFIRM, { t: token });
    expect(confirmed.data!.confirmEmailChange).toEqual({ id: user.id, email: target, emailVerified: true });
    expect((await user.client.gql(Q.me)).data!.me.email).toBe(target);
    expect(codeOf(await new ApiClient(server.url).gql(CONFIRM, { t: token }))).toBe('BAD_USER_INPUT');
    await loginOk(server.url, target, user.password);
    // The old address is free again.
    await newUser(server.url, { email: user.email });
    expect((await auditRows(server, { userId: user.id, event: 'email.change' })).length).toBe(1);
  });

  it('gives the same answer for an address that has an account, and mails no link for it', async () => {
    const owner = await newUser(server.url);
    const user = await newUser(server.url);
    const before = (await outboxMails(server)).length;
    expect((await user.client.gql(CHANGE, { e: owner.email, p: user.password })).data).toEqual({ changeEmail: true });
    const mails = (await outboxMails(server)).slice(before);
    const toOwner = mails.filter((m) => m.to.includes(owner.email));
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0]!.text).not.toMatch(LINK);
    expect(mails.some((m) => m.to.includes(user.email))).toBe(true);
    expect((await user.client.gql(Q.me)).data!.me.email).toBe(user.email);
  });

  it('a newer request replaces the older link', async () => {
    const user = await newUser(server.url);
    await user.client.gql(CHANGE, { e: `first.${user.username}@example.org`, p: user.password });
    await user.client.gql(CHANGE, { e: `second.${user.username}@example.org`, p: user.password });
    const mails = await outboxMails(server);
    const first = LINK.exec(mails.find((m) => m.to.includes(`first.${user.username}`))!.text)![1]!;
    const second = LINK.exec(mails.find((m) => m.to.includes(`second.${user.username}`))!.text)![1]!;
    expect(codeOf(await new ApiClient(server.url).gql(CONFIRM, { t: first }))).toBe('BAD_USER_INPUT');
    expect((await new ApiClient(server.url).gql(CONFIRM, { t: second })).data!.confirmEmailChange.email).toBe(`second.${user.username}@example.org`);
  });
});
