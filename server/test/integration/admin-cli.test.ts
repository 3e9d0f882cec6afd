import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCli } from '../support/admin.js';
import { auditRows, loginOk } from '../support/accounts.js';
import { ApiClient, codeOf, newUser, STRONG_PASSWORD } from '../support/client.js';
import { databases } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * `npm run admin` (src/cli/admin.ts) run as its own process with the settings of a server that
 * is running on the same database: the server sees every change at once.
 */
describe.each(databases)('admin command line (%s)', (kind) => {
  let server: TestServer;
  const ME = `{ me { username role } }`;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates an administrator with the password from standard input, never from argv', async () => {
    const created = await runAdminCli(server.vars, ['create', 'Root_Admin', 'Root@Example.com'], `${STRONG_PASSWORD}\n`);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('root_admin');
    const admin = await loginOk(server.url, 'root_admin', STRONG_PASSWORD);
    const me = await admin.gql(`{ me { username email emailVerified } }`);
    expect(me.data!.me).toEqual({ username: 'root_admin', email: 'root@example.com', emailVerified: true });
    expect((await admin.gql(ME)).data!.me.role).toBe('ADMIN');
    // The running server answers admin fields for it straight away.
    expect(codeOf(await admin.gql(`{ adminUsers { totalCount } }`))).toBeUndefined();
    const rows = await auditRows(server, { event: 'admin.create' });
    expect(rows.at(-1)?.details).toEqual({ by: 'command line' });
  });

  it('refuses a weak password, a taken address and a password given as an argument', async () => {
    const weak = await runAdminCli(server.vars, ['create', 'weakling', 'weak@example.com'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^admin: Password/);
    const taken = await runAdminCli(server.vars, ['create', 'other_admin', 'root@example.com'], `${STRONG_PASSWORD}\n`);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already registered');
    const argv = await runAdminCli(server.vars, ['create', 'argv_admin', 'argv@example.com', STRONG_PASSWORD], '');
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('usage');
    const none = await runAdminCli(server.vars, ['create', 'empty_pw', 'empty@example.com'], '');
    expect(none.code).toBe(1);
    const list = await runAdminCli(server.vars, ['list']);
    expect(list.stdout).not.toMatch(/weakling|other_admin|argv_admin|empty_pw/);
  });

  it('promotes and demotes, lists every account, and never takes away the last administrator', async () => {
    const user = await newUser(server.url);
    expect((await user.client.gql(ME)).data!.me.role).toBe('USER');
    expect(codeOf(await user.client.gql(`{ adminUsers { totalCount } }`))).toBe('FORBIDDEN');

    const promoted = await runAdminCli(server.vars, ['promote', user.username.toUpperCase()]);
    expect(promoted.code).toBe(0);
    // The running server reads the role per request: the same session is an admin now.
    expect((await user.client.gql(ME)).data!.me.role).toBe('ADMIN');
    expect(codeOf(await user.client.gql(`{ adminUsers { totalCount } }`))).toBeUndefined();

    const list = await runAdminCli(server.vars, ['list']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^root_admin\troot@example\.com\tADMIN\tactive\t/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${user.username}\\t${user.email}\\tADMIN\\tactive\\t`)));

    expect((await runAdminCli(server.vars, ['demote', user.username])).code).toBe(0);
    expect((await user.client.gql(ME)).data!.me.role).toBe('USER');
    // Now root_admin is the only one left.
    const last = await runAdminCli(server.vars, ['demote', 'root_admin']);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last active administrator');
    const root = await loginOk(server.url, 'root_admin', STRONG_PASSWORD);
    expect((await root.gql(ME)).data!.me.role).toBe('ADMIN');
    expect(await auditRows(server, { userId: user.id, event: 'admin.demote' })).toHaveLength(1);
  });

  it('answers usage and unknown accounts clearly', async () => {
    expect((await runAdminCli(server.vars, [])).code).toBe(2);
    const missing = await runAdminCli(server.vars, ['promote', 'nobody_here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('admin: Account not found.\n');
    // Still no way in for a stranger.
    expect(codeOf(await new ApiClient(server.url).gql(`{ adminUsers { totalCount } }`))).toBe('UNAUTHENTICATED');
  });
});
