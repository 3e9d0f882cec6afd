import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsUnavailable, launchBrowser } from '../support/browser.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const missing = browserTestsUnavailable('the browser account journey');

const USERNAME = 'account_user';
const EMAIL = 'account@example.com';
const PASSWORD = 'Correct-Horse-9-Battery';
const NEW_PASSWORD = 'Staple-Lantern-4-Orbit';

/** Undoes quoted-printable: soft line breaks ("=" at the end of a line) and "=XX" escapes. */
function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Without SMTP the server writes each mail to DATA_DIR/outbox/*.eml. Waits for a mail not seen
 * before that carries a link to `page`, and returns the link's path and fragment.
 */
async function nextMailLink(dataDir: string, page: 'verify-email' | 'reset-password', seen: Set<string>): Promise<string> {
  const outbox = path.join(dataDir, 'outbox');
  const pattern = new RegExp(`https?://[^\\s"<>]+(/${page}#token=[A-Za-z0-9_-]+)`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const files = existsSync(outbox) ? (await readdir(outbox)).filter((f) => f.endsWith('.eml')).sort() : [];
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      const match = pattern.exec(decodeQuotedPrintable(await readFile(path.join(outbox, file), 'utf8')));
      if (match) return match[1]!;
    }
    if (Date.now() > deadline) throw new Error(`no mail with a ${page} link arrived in ${outbox}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(missing !== null)('browser account journey (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const seenMails = new Set<string>();

  /** A GraphQL call from Node, as a script would make it. */
  async function gql(query: string, bearer?: string): Promise<{ data?: Record<string, unknown> | null; errors?: unknown[] }> {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
  }

  async function logIn(password: string) {
    await page.getByLabel('Username or e-mail').fill(USERNAME);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-e2e-account-'));
    server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    ({ browser, page } = await launchBrowser(10_000));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('register → confirm the e-mail from the mail link → log in → an API token works until it is revoked', async () => {
    await page.goto(`${server.url}/register`);
    await page.getByLabel('Username').fill(USERNAME);
    await page.getByLabel('E-mail').fill(EMAIL);
    // Meets every composition rule, and is still refused as guessable: the checklist says so
    // before submitting, and never claims it "meets every rule".
    const rules = page.locator('#register-password-rules');
    await page.getByLabel('Password', { exact: true }).fill('Password123!');
    await rules.getByText(/list of common passwords/).waitFor();
    expect(await rules.getByText('This password meets every rule.').count()).toBe(0);
    await page.getByRole('button', { name: 'Create account' }).click();
    const field = page.getByLabel('Password', { exact: true });
    await page.waitForFunction("document.activeElement?.id === 'register-password'");
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toContain('/register');

    await field.fill(PASSWORD);
    await rules.getByText('This password meets every rule.').waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((url) => url.pathname === '/login');

    const verifyLink = await nextMailLink(dataDir, 'verify-email', seenMails);
    await page.goto(`${server.url}${verifyLink}`);
    await page.getByTestId('verify-done').waitFor();
    expect(await page.getByRole('heading', { name: 'E-mail address confirmed' }).count()).toBe(1);
    // The token left the address bar once read.
    expect(new URL(page.url()).hash).toBe('');

    await page.goto(`${server.url}/login`);
    await logIn(PASSWORD);
    await page.waitForURL((url) => url.pathname === '/');
    // Verified: no "confirm your e-mail" banner.
    expect(await page.getByText('Confirm your e-mail address to upload photos').count()).toBe(0);

    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/settings'));
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.waitForURL((url) => url.pathname === '/settings/tokens');
    await page.getByLabel('Token name').fill('e2e script');
    await page.getByLabel('Expires').selectOption({ label: 'After 30 days' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const secretField = page.getByLabel('Token secret');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^lfk_[A-Za-z0-9_-]{43}$/);
    expect(await page.getByText('it won’t be shown again').count()).toBeGreaterThan(0);
    expect(await page.getByText(`Bearer ${secret}`).count()).toBeGreaterThan(0);

    expect(await gql('{ me { username } }', secret)).toEqual({ data: { me: { username: USERNAME } } });

    // Shown once: after a reload the token is listed, its secret is not.
    await page.reload();
    await page.getByTestId('api-token').waitFor();
    expect(await page.getByLabel('Token secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke “e2e script”' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('You have no API tokens.').waitFor();

    expect(await gql('{ me { username } }', secret)).toEqual({ data: { me: null } });
  });

  it('log out → forgot password → reset from the mail link → the new password works, the old one does not', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL((url) => url.pathname === '/forgot-password');
    await page.getByLabel('E-mail').fill(EMAIL);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(/If an account uses that address, we’ve sent a link/).waitFor();

    const resetLink = await nextMailLink(dataDir, 'reset-password', seenMails);
    await page.goto(`${server.url}${resetLink}`);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    expect(new URL(page.url()).hash).toBe('');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByTestId('reset-done').waitFor();

    await page.getByRole('link', { name: 'Log in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await logIn(PASSWORD);
    await page.getByText('Wrong username, e-mail or password.').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');

    await logIn(NEW_PASSWORD);
    await page.waitForURL((url) => url.pathname === '/');
    expect(await page.getByRole('heading', { name: 'Your photos' }).count()).toBe(1);
  });
});
