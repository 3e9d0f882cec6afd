import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCli } from '../support/admin.js';
import { browserTestsUnavailable, launchBrowser } from '../support/browser.js';
import { ApiClient, newUser, STRONG_PASSWORD, type TestUser } from '../support/client.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const missing = browserTestsUnavailable('the admin console journey');

/** Serious and critical axe findings on the page as it is now. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

describe.skipIf(missing !== null)('admin console journey (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let vars: Record<string, string>;
  let alice: TestUser;
  let bob: TestUser;

  async function logIn(username: string) {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username or e-mail').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-e2e-admin-'));
    vars = { DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
    server = await spawnServer(vars);
    const created = await runAdminCli(vars, ['create', 'console_admin', 'console@example.com'], `${STRONG_PASSWORD}\n`);
    if (created.code !== 0) throw new Error(created.stderr);
    alice = await newUser(server.url, { username: 'alice_console' });
    bob = await newUser(server.url, { username: 'bob_console' });
    ({ browser } = await launchBrowser(15_000));
    // axe needs a page of a context made with newContext().
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('an ordinary user sees no Admin link and gets a 403 page at /admin', async () => {
    await logIn('alice_console');
    expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
    await page.goto(`${server.url}/admin`);
    await page.getByText('You are not allowed to do this.').waitFor();
    expect(await page.locator('table').count()).toBe(0);
    await page.context().clearCookies();
  });

  it('admin: search, disable, quota, delete with typed confirmation — accessible throughout', async () => {
    await logIn('console_admin');
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/admin');
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    expect(await page.getByTestId('admin-total').textContent()).toContain('3 accounts');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByLabel('Search by username or e-mail').fill('bob_con');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'bob_con');
    await page.getByTestId('admin-total').filter({ hasText: '1 account' }).waitFor();
    const row = page.locator('tr[data-username="bob_console"]');

    await row.getByRole('button', { name: 'Disable bob_console' }).click();
    await row.getByRole('cell', { name: 'Disabled' }).waitFor();
    expect((await bob.client.gql('{ me { id } }')).data!.me).toBeNull();
    await page.getByTestId('admin-actions').getByText('Account disabled by an administrator: bob_console').waitFor();

    await row.getByLabel('Quota of bob_console in GiB (empty: none)').fill('2');
    await row.getByRole('button', { name: 'Save quota of bob_console' }).click();
    await page.getByText('Quota of bob_console saved.').waitFor();
    const admin = await new ApiClient(server.url).gql<{ login: { token: string } }>(
      `mutation($i: LoginInput!) { login(input: $i) { token } }`,
      { i: { username: 'console_admin', password: STRONG_PASSWORD } },
    );
    const asAdmin = new ApiClient(server.url, admin.data!.login.token);
    const listed = await asAdmin.gql(`{ adminUsers(search: "bob_console") { nodes { quotaBytes disabled } } }`);
    expect(listed.data!.adminUsers.nodes[0]).toEqual({ quotaBytes: 2 * 1024 ** 3, disabled: true });

    await row.getByRole('button', { name: 'Delete bob_console' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    // Wrong name: nothing happens.
    await dialog.getByLabel('Type bob_console to confirm').fill('bob');
    await dialog.getByRole('button', { name: 'Delete account and photos' }).click();
    expect(await row.count()).toBe(1);
    await dialog.getByLabel('Type bob_console to confirm').fill('bob_console');
    await dialog.getByRole('button', { name: 'Delete account and photos' }).click();
    await page.getByText('bob_console and all their photos are deleted.').waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await asAdmin.gql(`{ adminUsers { totalCount } }`)).data!.adminUsers.totalCount).toBe(2);
    await page.getByTestId('admin-actions').getByText('Account deleted: (deleted account)').waitFor();

    // Their own row offers no disable or delete.
    await page.goto(`${server.url}/admin`);
    const own = page.locator('tr[data-username="console_admin"]');
    await own.waitFor();
    expect(await own.getByRole('button', { name: /Disable|Delete/ }).count()).toBe(0);
    expect(alice.id).toBeTruthy();
  });
});
