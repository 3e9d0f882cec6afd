import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLIENT_BUILD = fileURLToPath(new URL('../../../client/build/index.html', import.meta.url));

/**
 * Why browser tests can't run here, or null. Under CI=true a missing prerequisite is an error,
 * never a skip; elsewhere the skip is announced.
 */
export function browserTestsUnavailable(suite: string): string | null {
  const missing = !existsSync(CHROMIUM)
    ? `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`
    : !existsSync(CLIENT_BUILD)
      ? 'the web client is not built (run `npm run build`)'
      : null;
  if (missing && process.env.CI === 'true') throw new Error(`Browser tests cannot run under CI: ${missing}`);
  if (missing) console.warn(`[lockframe tests] SKIPPING ${suite}: ${missing}.`);
  return missing;
}

/** Debian's Chromium, headless, with the flags that work on these machines (no downloads, no sandbox). */
export async function launchBrowser(timeoutMs: number): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // A context of its own (not browser.newPage's), so axe can open its helper page in it.
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  return { browser, page };
}
