import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.js';

/** Debian's Chromium; the tests never download a browser (no `npx playwright install`). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

/** A headless Chromium that makes no background requests of its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A phone's page (`width`×844, touch, en-GB) in a new context; its script errors go to the test's console. */
export async function phonePage(browser: Browser, width = 390): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 844 }, locale: 'en-GB', hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  return { context, page };
}

/** Saves a PNG of the viewport to test-artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^a-zA-Z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/**
 * Polls on the Node side with real timers, so it works while a page's clock is paused
 * and under a CSP that forbids Playwright's in-page waitForFunction.
 */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now (every impact level), as "impact id: targets". */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const r = await page.evaluate<{ passes: number; violations: string[] }>(
    `axe.run(document).then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')) }))`,
  );
  if (r.passes <= 10) throw new Error(`axe-core checked almost nothing (${r.passes} passes): is the page there?`);
  return r.violations;
}

/**
 * Something sticks out sideways: an element reaches past the viewport's `width` (a mobile
 * browser would zoom the whole page out to fit it, so innerWidth alone cannot tell).
 */
export const overflowsX = (page: Page, width = 390) =>
  page.evaluate<boolean>(
    `window.innerWidth > ${width + 1} || [...document.querySelectorAll('body *')].some((e) => e.getBoundingClientRect().right > ${width + 1})`,
  );
