import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exifPhoto } from '../fixtures/exif.js';
import { browserTestsUnavailable, launchBrowser } from '../support/browser.js';
import { newUser, type TestUser } from '../support/client.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const missing = browserTestsUnavailable('the gallery UI journey');

/** The gallery's trash, favourites, albums and viewer, through real clicks and keys in Chromium. */
describe.skipIf(missing !== null)('gallery UI (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let user: TestUser;
  /**
   * Uploaded oldest first, so the gallery (newest upload first) shows them as c, b, a; by capture
   * time they are c (May 2024), a (May 2024), b (January 2023).
   */
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-galui-'));
    server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    ({ browser, page } = await launchBrowser(15_000));
    user = await newUser(server.url);
    const photo = (takenAt: string, r: number) => exifPhoto({ takenAt, background: { r, g: 90, b: 140 } });
    ids.a = (await user.client.uploadOk(await photo('2024:05:10 09:00:00', 10), 'a.jpg')).id;
    ids.b = (await user.client.uploadOk(await photo('2023:01:05 18:30:00', 60), 'b.jpg')).id;
    ids.c = (await user.client.uploadOk(await photo('2024:05:20 12:00:00', 110), 'c.jpg')).id;

    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username or e-mail').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const tiles = () => page.locator('a.tile');
  const tileNames = () => tiles().locator('img').evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')));

  async function openPhoto(name: string): Promise<void> {
    await page.goto(`${server.url}/`);
    await tiles().filter({ has: page.locator(`img[alt="${name}"]`) }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/images/'));
    await page.getByRole('heading', { name }).waitFor();
  }

  it('Delete moves a photo to the trash, Undo brings it back, and the Trash page restores', async () => {
    await page.goto(`${server.url}/`);
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);

    await openPhoto('a.jpg');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg']);
    await expect.poll(() => page.getByText('Moved “a.jpg” to the trash.').count()).toBe(1);
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForURL(`**/images/${ids.a}`);
    await expect.poll(() => page.getByText('Restored “a.jpg”.').count()).toBe(1);
    await page.goto(`${server.url}/`);
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);

    // Again, and this time back from the Trash page, reached from the header.
    await openPhoto('b.jpg');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect.poll(tileNames).toEqual(['c.jpg', 'a.jpg']);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
    await page.waitForURL((url) => url.pathname === '/trash');
    await expect.poll(() => page.getByTestId('trash-count').textContent()).toMatch(/1 photo/);
    // The thumbnail is served from the trash too.
    await expect.poll(() => page.locator('img[alt="b.jpg"]').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Restore b.jpg' }).click();
    await expect.poll(() => page.getByTestId('trash-empty').count()).toBe(1);
    await page.getByRole('link', { name: 'Gallery' }).click();
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
  });

  it('a star on the photo page marks a favourite, and the gallery filters by it', async () => {
    await openPhoto('c.jpg');
    const star = page.getByRole('button', { name: 'Favourite' });
    expect(await star.getAttribute('aria-pressed')).toBe('false');
    await star.click();
    await expect.poll(() => star.getAttribute('aria-pressed')).toBe('true');
    // Stored on the server, not only in the page.
    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Favourite' }).getAttribute('aria-pressed')).toBe('true');

    await page.goto(`${server.url}/`);
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
    await page.getByRole('button', { name: 'Favourites' }).click();
    await page.waitForURL((url) => url.searchParams.get('fav') === '1');
    await expect.poll(tileNames).toEqual(['c.jpg']);
    await page.reload();
    await expect.poll(tileNames).toEqual(['c.jpg']);
    await expect.poll(() => page.getByRole('button', { name: 'Favourites' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Favourites' }).click();
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
  });

  it('creates an album, adds a photo from its page, shows, renames and deletes the album (keeping the photo)', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Albums' }).click();
    await page.waitForURL((url) => url.pathname === '/albums');
    await expect.poll(() => page.getByTestId('no-albums').count()).toBe(1);
    // An empty name is refused in the page, on its field.
    await page.getByRole('button', { name: 'Create album' }).click();
    await expect.poll(() => page.getByText('Give the album a name.').count()).toBe(1);
    await page.getByLabel('Album name').fill('Summer');
    await page.getByRole('button', { name: 'Create album' }).click();
    const card = page.locator('a.album', { hasText: 'Summer' });
    await expect.poll(() => card.textContent()).toMatch(/0 photos/);

    await openPhoto('a.jpg');
    await page.getByLabel('Add to album').selectOption({ label: 'Summer' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.getByText('Added “a.jpg” to “Summer”.').count()).toBe(1);

    await page.goto(`${server.url}/albums`);
    await expect.poll(() => card.textContent()).toMatch(/1 photo\b/);
    await expect.poll(() => card.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await card.click();
    await page.waitForURL((url) => url.pathname.startsWith('/albums/'));
    await expect.poll(tileNames).toEqual(['a.jpg']);

    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('Summer 2026');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Summer 2026');
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Summer 2026');

    await page.getByRole('button', { name: 'Delete album' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete album' }).click();
    await page.waitForURL((url) => url.pathname === '/albums');
    await expect.poll(() => page.getByTestId('no-albums').count()).toBe(1);
    await page.goto(`${server.url}/`);
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
  });

  it('steps through the gallery order with ← / → and the buttons, and Escape goes back to the gallery with its search', async () => {
    const at = () => new URL(page.url()).pathname;
    await page.goto(`${server.url}/`);
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
    await tiles().filter({ has: page.locator('img[alt="c.jpg"]') }).click();
    await page.waitForURL(`**/images/${ids.c}`);
    // The first photo has no previous one.
    expect(await page.getByRole('link', { name: 'Previous photo' }).count()).toBe(0);
    await page.keyboard.press('ArrowRight');
    await expect.poll(at).toBe(`/images/${ids.b}`);
    await page.getByRole('heading', { name: 'b.jpg' }).waitFor();
    await page.keyboard.press('ArrowRight');
    await expect.poll(at).toBe(`/images/${ids.a}`);
    expect(await page.getByRole('link', { name: 'Next photo' }).count()).toBe(0);
    // At the end, → does nothing.
    await page.keyboard.press('ArrowRight');
    await page.getByRole('heading', { name: 'a.jpg' }).waitFor();
    expect(at()).toBe(`/images/${ids.a}`);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(at).toBe(`/images/${ids.b}`);
    await page.getByRole('link', { name: 'Previous photo' }).click();
    await expect.poll(at).toBe(`/images/${ids.c}`);
    await page.getByRole('link', { name: 'Next photo' }).click();
    await expect.poll(at).toBe(`/images/${ids.b}`);
    await page.keyboard.press('Escape');
    await expect.poll(at).toBe('/');
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);

    // Within a search, only its matches, and Escape comes back to the search.
    await page.getByRole('button', { name: 'Favourites' }).click();
    await expect.poll(tileNames).toEqual(['c.jpg']);
    await tiles().first().click();
    await page.waitForURL(`**/images/${ids.c}`);
    expect(await page.getByRole('link', { name: 'Next photo' }).count()).toBe(0);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.get('fav') === '1');
    await expect.poll(tileNames).toEqual(['c.jpg']);
  });

  it('sorts by capture time with a heading per month, kept in the address, and steps in that order', async () => {
    const months = () => page.locator('.month-title').allTextContents();
    await page.goto(`${server.url}/`);
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
    expect(await months()).toEqual([]);
    await page.getByLabel('Sort by').selectOption({ label: 'Taken' });
    await page.waitForURL((url) => url.searchParams.get('sort') === 'taken');
    await expect.poll(tileNames).toEqual(['c.jpg', 'a.jpg', 'b.jpg']);
    await expect.poll(months).toEqual(['May 2024', 'January 2023']);
    await expect.poll(() => page.getByRole('list', { name: 'Photos taken in May 2024' }).locator('img').count()).toBe(2);
    await page.reload();
    await expect.poll(tileNames).toEqual(['c.jpg', 'a.jpg', 'b.jpg']);

    await tiles().first().click();
    await page.waitForURL(`**/images/${ids.c}`);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/images/${ids.a}`);
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.get('sort') === 'taken');

    await page.getByLabel('Sort by').selectOption({ label: 'Uploaded' });
    await page.waitForURL((url) => !url.searchParams.has('sort'));
    await expect.poll(tileNames).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
    expect(await months()).toEqual([]);
  });
});
