import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { browserTestsUnavailable, launchBrowser } from '../support/browser.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const missing = browserTestsUnavailable('the browser journey');

describe.skipIf(missing !== null)('browser journey (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const files: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-e2e-'));
    server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    ({ browser, page } = await launchBrowser(15_000));
    for (const [name, data] of [
      ['sunrise.jpg', await fixtures.jpeg({ width: 900, height: 600, gps: { lat: 48.8584, lon: 2.2945 } })],
      ['harbour.png', await fixtures.png()],
    ] as const) {
      const file = path.join(dataDir, name);
      await writeFile(file, data);
      files.push(file);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('register → log in → upload two files → both thumbnails → open one → delete → gone', async () => {
    await page.goto(`${server.url}/register`);
    await page.getByLabel('Username').fill('journey_user');
    await page.getByLabel('E-mail').fill('journey@example.com');
    await page.getByLabel('Password', { exact: true }).fill('Correct-Horse-9-Battery');
    await page.getByRole('button', { name: 'Create account' }).click();

    // Registration either logs in directly or sends us to the login page.
    await page.waitForURL((url) => url.pathname === '/login' || url.pathname === '/', { timeout: 15_000 });
    if (new URL(page.url()).pathname === '/login') {
      await page.getByLabel('Username or e-mail').fill('journey_user');
      await page.getByLabel('Password', { exact: true }).fill('Correct-Horse-9-Battery');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL((url) => url.pathname === '/');
    }

    await page.goto(`${server.url}/upload`);
    await page.locator('input[type="file"]').setInputFiles(files);
    await expect.poll(async () => page.getByText(/uploaded/i).count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);

    await page.goto(`${server.url}/`);
    const tiles = page.locator('a.tile');
    await expect.poll(() => tiles.count()).toBe(2);
    // Both thumbnails really loaded (decoded by the browser).
    await expect
      .poll(() => tiles.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0)))
      .toBe(true);

    const target = tiles.filter({ has: page.locator('img[alt="sunrise.jpg"]') });
    const href = await target.getAttribute('href');
    expect(href).toMatch(/^\/images\/[0-9a-f-]{36}$/);
    await target.click();
    await page.waitForURL(`**${href}`);
    await expect.poll(() => page.getByText('sunrise.jpg').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText(/900\s*×\s*600/).count()).toBeGreaterThan(0);
    // The metadata, loaded when the detail page asks for it: camera and where the photo was taken.
    await expect.poll(() => page.getByRole('heading', { name: 'Camera' }).count()).toBe(1);
    await expect.poll(() => page.getByText('Lockframe Test Camera').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('heading', { name: 'Location' }).count()).toBe(1);
    await expect.poll(() => page.getByText(/48\.8584\d*° N/).count()).toBeGreaterThan(0);

    // Delete moves it to the trash; emptying the trash deletes it for good.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect.poll(() => page.locator('a.tile').count()).toBe(1);
    await expect.poll(() => page.locator('img[alt="sunrise.jpg"]').count()).toBe(0);
    await page.getByRole('link', { name: 'Trash' }).click();
    await page.waitForURL((url) => url.pathname === '/trash');
    await page.getByRole('button', { name: 'Empty trash' }).click();
    await page.getByRole('button', { name: 'Delete permanently' }).click();
    await expect.poll(() => page.getByTestId('trash-empty').count()).toBe(1);

    const imageId = href!.split('/').pop()!;
    const gone = await page.evaluate(async (id) => (await fetch(`/media/${id}/thumbnail`)).status, imageId);
    expect(gone).toBe(404);
  });
});
