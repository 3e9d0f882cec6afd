import AxeBuilder from '@axe-core/playwright';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsUnavailable, launchBrowser } from '../support/browser.js';
import { newUser, type TestUser } from '../support/client.js';
import { awayFromStepEdge, totpCode } from '../support/mfa.js';
import { freePort, spawnServer, type ServerProcess } from '../support/process.js';

const missing = browserTestsUnavailable('the security settings journey');

describe.skipIf(missing !== null)('Settings → Security in Chromium: TOTP and passkeys', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let origin: string;
  let u: TestUser;
  let secret = '';

  /** No axe violations on the page as it is now. */
  async function expectAxeClean() {
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }

  async function logInWithPassword() {
    await page.goto(`${origin}/login`);
    await page.getByLabel('Username or e-mail').fill(u.username);
    await page.getByLabel('Password', { exact: true }).fill(u.password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-e2e-security-'));
    const port = await freePort();
    origin = `http://localhost:${port}`;
    server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), PUBLIC_URL: origin });
    ({ browser } = await launchBrowser(10_000));
    // axe wants a page of an explicit context.
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    page.setDefaultTimeout(10_000);
    u = await newUser(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('sets up TOTP with the keyboard: a QR code drawn locally, the key as text, recovery codes shown once', async () => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await logInWithPassword();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(`${origin}/settings/security`);
    await page.getByTestId('mfa-status').getByText('Off.').waitFor();
    await expectAxeClean();

    await page.getByRole('button', { name: 'Set up an authenticator app' }).focus();
    await page.keyboard.press('Enter');
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.locator('svg').waitFor();
    secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The code field has focus: type the code and press Enter.
    await page.waitForFunction("document.activeElement?.id === 'setup-code'");
    await expectAxeClean();
    await awayFromStepEdge();
    await page.keyboard.type(totpCode(secret, 1));
    await page.keyboard.press('Enter');
    const codes = page.getByTestId('recovery-codes').locator('code');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await page.getByTestId('mfa-status').getByText('On.').waitFor();
    await expectAxeClean();
    // Nothing left the origin: no QR service saw the seed.
    expect(requests.filter((r) => !r.startsWith(origin))).toEqual([]);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.reload();
    expect(await page.getByTestId('recovery-codes').count()).toBe(0);
  });

  it('the login page asks for the code after the password, without retyping it', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await logInWithPassword();
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await page.waitForFunction("document.activeElement?.id === 'login-otp'");
    await expectAxeClean();
    await page.keyboard.type('000000');
    await page.keyboard.press('Enter');
    await page.getByText('That code is not right').first().waitFor();
    expect(await page.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
    await awayFromStepEdge();
    await page.getByLabel('Code').fill(totpCode(secret));
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/');
  });

  it('adds a passkey in the page, logs out, and signs in with it alone', async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.goto(`${origin}/settings/security`);
    await page.getByLabel('Passkey name').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByTestId('passkey').getByText('Test laptop').waitFor();
    await expectAxeClean();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(`${origin}/settings/security`);
    await page.getByTestId('passkey').getByText('last used').waitFor();

    await page.getByRole('button', { name: 'Remove “Test laptop”' }).click();
    await page.getByText('You have no passkeys.').waitFor();
  });

  it('turns TOTP off with the password and a code', async () => {
    await awayFromStepEdge();
    await page.getByLabel('Password', { exact: true }).fill(u.password);
    await page.getByLabel('Code from your app, or a recovery code').fill(totpCode(secret, -1));
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByTestId('mfa-status').getByText('Off.').waitFor();
  });
});
