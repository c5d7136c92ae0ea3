import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { startTestServer, type TestServer } from './server.js';

/** What a browser test's describe block shares: its test server and its Chromium (set once beforeAll has run). */
export interface BrowserSuite {
  readonly server: TestServer;
  readonly browser: Browser;
}

/**
 * Starts a test server and a headless Chromium before the describe block's tests and
 * closes them (the browser first) after them. Call it in the describe block and read
 * `server` and `browser` from what it returns inside the tests.
 */
export function serverAndBrowser(timeoutMs: number, opts?: Parameters<typeof startTestServer>[0]): BrowserSuite {
  const suite: { server?: TestServer; browser?: Browser } = {};
  beforeAll(async () => {
    suite.server = await startTestServer(opts);
    suite.browser = await launchBrowser();
  }, timeoutMs);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  }, timeoutMs);
  return {
    get server() {
      if (!suite.server) throw new Error('the test server is not started (read it inside a test)');
      return suite.server;
    },
    get browser() {
      if (!suite.browser) throw new Error('the browser is not launched (read it inside a test)');
      return suite.browser;
    },
  };
}
