/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from '../fixtures/images.js';
import { browserTestsUnavailable, launchBrowser } from '../support/browser.js';
import { newUser, type TestUser } from '../support/client.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const missing = browserTestsUnavailable('the accessibility checks');

/** A phone held upright (iPhone 12–15 width). */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1200, height: 900 };

/** axe's violations on the page as it is now: rule id and the first offending element of each. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page } as never).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')} (${v.help})`);
}

/** Whether the page is wider than the window (something that makes a phone scroll sideways). */
const scrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

describe.skipIf(missing !== null)('accessibility, keyboard and small screens (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let user: TestUser;
  let imageId: string;
  let albumId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lockframe-a11y-'));
    server = await spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    ({ browser, page } = await launchBrowser(15_000));
    user = await newUser(server.url);
    imageId = (await user.client.uploadOk(await fixtures.jpeg({ width: 640, height: 480, gps: { lat: 48.8584, lon: 2.2945 } }), 'tower.jpg')).id;
    await user.client.uploadOk(await fixtures.png(), 'harbour.png');
    // A third photo in the trash, so the Trash page is checked with something in it.
    const trashed = (await user.client.uploadOk(await fixtures.jpeg({ width: 320, height: 240 }), 'trashed.jpg')).id;
    const moved = await user.client.gql<{ trashImages: number }>('mutation($ids:[ID!]!){ trashImages(ids:$ids) }', { ids: [trashed] });
    expect(moved.data?.trashImages).toBe(1);
    const album = await user.client.gql<{ createAlbum: { id: string } }>('mutation{ createAlbum(name: "Holidays") { id } }');
    albumId = album.data!.createAlbum.id;
    await user.client.gql('mutation($ids:[ID!]!,$album:ID!){ addToAlbum(imageIds:$ids, albumId:$album) { id } }', { ids: [imageId], album: albumId });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function logInWithKeyboard(): Promise<void> {
    await page.goto(`${server.url}/login`);
    // Tab from the top of the page to the first field, as a keyboard user would.
    await page.keyboard.press('Tab');
    const focusedId = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.outerHTML.slice(0, 80));
    for (let i = 0; i < 20 && (await focusedId()) !== 'login-username'; i++) await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('login-username');
    await page.keyboard.type(user.username);
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('login-password');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/');
  }

  it('signs in, searches and opens a photo with the keyboard alone', async () => {
    await page.setViewportSize(DESKTOP);
    await logInWithKeyboard();
    const tiles = page.locator('a.tile');
    await expect.poll(() => tiles.count()).toBe(2);

    // Search from the keyboard: the name box, typed; the gallery follows.
    await page.getByLabel('File name').focus();
    await page.keyboard.type('harb');
    await expect.poll(() => page.locator('img[alt="harbour.png"]').count()).toBe(1);
    await expect.poll(() => tiles.count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('harb');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await expect.poll(() => tiles.count()).toBe(2);

    // Focus moves onto a tile with Tab, and Enter opens it.
    const towerTile = page.locator(`a.tile[href="/images/${imageId}"]`);
    for (let i = 0; i < 30 && !(await towerTile.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await towerTile.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/images/${imageId}`);
    await expect.poll(() => page.getByRole('heading', { name: 'Location' }).count()).toBe(1);
  });

  /** One page once it has rendered its main heading (no page of ours keeps loading after that but images). */
  async function check(pathname: string, viewport: typeof PHONE): Promise<string[]> {
    await page.goto(`${server.url}${pathname}`);
    await page.locator('h1').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    const problems = (await violations(page)).map((v) => `${viewport.width}px ${pathname}: ${v}`);
    if (viewport === PHONE && (await scrollsSideways(page))) problems.push(`${viewport.width}px ${pathname}: scrolls sideways`);
    return problems;
  }

  it('has no axe violations on any page, on a desktop and on a 390 px phone, and no page scrolls sideways on the phone', async () => {
    const signedOut = ['/login', '/register', '/forgot-password', '/reset-password', '/verify-email'];
    const signedIn = ['/', `/images/${imageId}`, '/upload', '/settings/password', '/settings/sessions', '/settings/tokens', '/settings/activity', '/?q=nothing-matches', '/?fav=1', '/?sort=taken', '/trash', '/albums', `/albums/${albumId}`];
    const found: string[] = [];
    const context = page.context();
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      await context.clearCookies();
      for (const pathname of signedOut) {
        found.push(...(await check(pathname, viewport)));
      }
      await logInWithKeyboard();
      for (const pathname of signedIn) found.push(...(await check(pathname, viewport)));
    }
    expect(found).toEqual([]);
  }, 240_000);

  it('shows form errors where axe and a screen reader can find them', async () => {
    await page.setViewportSize(PHONE);
    await page.context().clearCookies();
    await page.goto(`${server.url}/register`);
    await page.getByRole('button', { name: 'Create account' }).click();
    // The first invalid field has focus and says why, linked by aria-describedby.
    const focused = page.locator(':focus');
    await expect.poll(() => focused.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await focused.getAttribute('aria-describedby')) ?? '';
    expect(describedBy).toMatch(/error/);
    expect(await violations(page)).toEqual([]);
  });
});
