import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot } from './support/browser.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

/**
 * The /chat page in a real Chromium: Microsoft's Web Chat (served from our own server)
 * against the server's local Direct Line endpoint, with polling. Whole conversations
 * are held through Web Chat's own UI — typing in its send box and clicking the
 * suggested actions it renders — and what they leave behind (a dispatch ticket, a
 * handoff record) is checked in the store. The page may talk to nobody but its server,
 * and must run under its Content-Security-Policy without a single violation.
 */

const TIMEOUT = 120_000;
/** Web Chat polls every 500 ms; a turn plus a poll or two is well inside this. */
const WAIT = 20_000;

interface TicketView {
  number: string;
  source: string;
  status: string;
  equipment: { productLine: string; model?: string };
  faults: { id: string; confidence?: number }[];
  contact: { name: string; phone: string };
  customer: { name: string; site: { address: string } };
  operatorWords: string;
  stepsTried: { faultId?: string; step: string; result: string }[];
  machineDown: boolean;
}

interface Watched {
  requests: string[];
  consoleErrors: string[];
  csp: string[];
}

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

const BOT_BUBBLES = '.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content';
const USER_BUBBLES = '.webchat__bubble--from-user .webchat__bubble__content';
const SEND_BOX = '[data-id="webchat-sendbox-input"]';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every bot message Web Chat shows, in order. */
const botTexts = (page: Page) => page.locator(BOT_BUBBLES).allInnerTexts();

/**
 * Waits until a bot message from index `from` on matches `pattern`, and returns the
 * messages from there on (the match is the last of them that matches).
 */
async function waitForBot(page: Page, pattern: RegExp, from = 0): Promise<{ text: string; match: RegExpMatchArray; all: string[] }> {
  try {
    await page.waitForFunction(
      ({ selector, source, flags, from }) => {
        const texts = Array.from(document.querySelectorAll<HTMLElement>(selector)).map((e) => e.innerText);
        const re = new RegExp(source, flags);
        return texts.slice(from).some((t) => re.test(t));
      },
      { selector: BOT_BUBBLES, source: pattern.source, flags: pattern.flags, from },
      { timeout: WAIT, polling: 100 },
    );
  } catch (err) {
    const seen = (await botTexts(page)).slice(from);
    throw new Error(`no bot message matching ${pattern} (after message ${from}); saw: ${JSON.stringify(seen)}\n${(err as Error).message}`);
  }
  const all = (await botTexts(page)).slice(from);
  const text = all.filter((t) => pattern.test(t)).at(-1)!;
  return { text, match: text.match(pattern)!, all };
}

/** Types into Web Chat's send box and presses Enter; waits for Web Chat to show it as sent. */
async function type(page: Page, text: string): Promise<void> {
  const before = await page.locator(USER_BUBBLES).count();
  const box = page.locator(SEND_BOX);
  await box.fill(text);
  await box.press('Enter');
  await page.locator(USER_BUBBLES).nth(before).waitFor({ timeout: WAIT });
  expect((await page.locator(USER_BUBBLES).nth(before).innerText()).trim()).toBe(text);
}

/** The suggested actions Web Chat shows now. */
const actionTitles = (page: Page) => page.locator('.webchat__suggested-actions button').allInnerTexts();

/** Clicks the suggested action with exactly this title; waits for the click to be sent as the user's message. */
async function click(page: Page, title: string): Promise<void> {
  const before = await page.locator(USER_BUBBLES).count();
  const button = page.locator('.webchat__suggested-actions button').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) });
  await button.first().waitFor({ state: 'visible', timeout: WAIT });
  await button.first().click();
  await page.locator(USER_BUBBLES).nth(before).waitFor({ timeout: WAIT });
  expect((await page.locator(USER_BUBBLES).nth(before).innerText()).trim()).toBe(title);
}

/** Records every request, console error and CSP violation of a page. */
async function watch(context: BrowserContext, page: Page): Promise<Watched> {
  const w: Watched = { requests: [], consoleErrors: [], csp: [] };
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations!.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('request', (r) => w.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    w.consoleErrors.push(m.text());
    if (/Content Security Policy/i.test(m.text())) w.csp.push(m.text());
  });
  page.on('pageerror', (e) => w.consoleErrors.push(`pageerror: ${e.message}`));
  return w;
}

/** Everything the page asked for went to the test server; no CSP violation; no script error. */
async function expectSelfContained(page: Page, w: Watched, base: string): Promise<void> {
  const origin = new URL(base).origin;
  expect(w.requests.length).toBeGreaterThan(0);
  expect(w.requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
  // Web Chat came from us, and spoke Direct Line to us, polling (no WebSocket).
  expect(w.requests).toContain(`${origin}/chat/webchat.js`);
  expect(w.requests.some((u) => u === `${origin}/chat/token`)).toBe(true);
  expect(w.requests.some((u) => u.startsWith(`${origin}/v3/directline/conversations/`) && u.includes('/activities?watermark='))).toBe(true);
  const violations = [...w.csp, ...((await page.evaluate(() => window.__cspViolations ?? [])) as string[])];
  expect(violations).toEqual([]);
  expect(w.consoleErrors.filter((m) => m.startsWith('pageerror'))).toEqual([]);
}

describe('the /chat page (Web Chat over the local Direct Line) in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, TIMEOUT);

  it(
    'holds an English conversation through Web Chat to a dispatch ticket',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US', timezoneId: 'Asia/Shanghai' });
      const page = await context.newPage();
      const w = await watch(context, page);
      try {
        await page.goto(`${server.base}/chat`);
        await expect(page.title()).resolves.toBe('Service assistant · 售后服务助手');

        // 1. The greeting, in both languages, in one message.
        const greeting = await waitForBot(page, /service assistant/);
        expect(greeting.text).toMatch(/工程机械售后服务助手/);
        expect(greeting.text).toMatch(/Type "agent" at any time/);
        expect(await page.locator(SEND_BOX).getAttribute('aria-label')).toMatch(/message input/i);
        await screenshot(page, 'chat-greeting');

        // 2. The fault in the operator's words; the machine is named, so the bot asks for the model.
        let mark = (await botTexts(page)).length;
        await type(page, 'the outriggers on my pump truck will not come down');
        const askModel = await waitForBot(page, /model or serial number/, mark);
        expect(askModel.all.join('\n')).not.toMatch(/Which machine/);
        expect(await actionTitles(page)).toEqual(['Skip']);

        mark = (await botTexts(page)).length;
        await click(page, 'Skip');
        const step1 = await waitForBot(page, /^Step 1 of (\d+): /, mark);
        const said = step1.all.join('\n');
        expect(said).toMatch(/This sounds like: Outriggers will not extend\/retract/);
        expect(said).toMatch(/a few checks you can safely do/); // PT-H08 is checks-only
        expect(said).toMatch(/Safety first:/);
        const total = Number(step1.match[1]);
        expect(total).toBeGreaterThan(0);
        expect(await actionTitles(page)).toEqual(['Fixed', 'Not fixed, next', "I can't do this", 'Talk to a person']);
        await screenshot(page, 'chat-steps');

        // Every check fails: the steps run out and the bot asks where the machine is.
        for (let n = 1; n <= total; n++) {
          mark = (await botTexts(page)).length;
          await click(page, 'Not fixed, next');
          if (n < total) await waitForBot(page, new RegExp(`^Step ${n + 1} of ${total}: `), mark);
          else {
            const end = await waitForBot(page, /site address/, mark);
            expect(end.all.join('\n')).toMatch(/Those checks did not fix it/);
            expect(end.all.join('\n')).toMatch(/open a service ticket/);
          }
        }

        mark = (await botTexts(page)).length;
        await type(page, 'Block 7, Riverside Logistics Park, Wuhan');
        await waitForBot(page, /^Your name\?/, mark);

        mark = (await botTexts(page)).length;
        await type(page, 'Chen Jun');
        await waitForBot(page, /Your phone number/, mark);

        // A bad number is refused and asked again; a good one goes on.
        mark = (await botTexts(page)).length;
        await type(page, '12345');
        await waitForBot(page, /does not look like a valid phone number/, mark);

        mark = (await botTexts(page)).length;
        await type(page, '139 1234 5678');
        await waitForBot(page, /Is the machine down/, mark);
        expect(await actionTitles(page)).toEqual(['Yes', 'No']);

        mark = (await botTexts(page)).length;
        await click(page, 'Yes');
        const summary = await waitForBot(page, /^Please check: /, mark);
        expect(summary.text).toMatch(/Outriggers will not extend/);
        expect(summary.text).toMatch(/Block 7, Riverside Logistics Park, Wuhan/);
        expect(summary.text).toMatch(/Chen Jun \+8613912345678/);
        expect(summary.text).toMatch(/Is the machine down \(it cannot work at all\): Yes/);
        expect(await actionTitles(page)).toEqual(['Send it', 'Cancel']);
        await screenshot(page, 'chat-summary');

        mark = (await botTexts(page)).length;
        await click(page, 'Send it');
        const created = await waitForBot(page, /^Your ticket number is (FT-\d{4}-\d{6})\. A service coordinator will contact you/, mark);
        const number = created.match[1]!;
        expect(number.slice(3, 7)).toBe(String(new Date().getFullYear()));
        expect(await actionTitles(page)).toEqual([]);
        await screenshot(page, 'chat-ticket');

        // 3. The ticket in the store, through the API.
        const res = await api(server.base, KEYS.dispatcher, 'GET', `/api/tickets/${number}`);
        expect(res.status).toBe(200);
        const ticket = (await res.json()) as TicketView;
        expect(ticket.number).toBe(number);
        expect(ticket.source).toBe('bot');
        expect(ticket.status).toBe('new');
        expect(ticket.equipment.productLine).toBe('PT');
        expect(ticket.equipment.model).toBeUndefined(); // skipped
        expect(ticket.faults[0]?.id).toBe('PT-H08');
        expect(ticket.contact).toEqual(expect.objectContaining({ name: 'Chen Jun', phone: '+8613912345678' }));
        expect(ticket.customer.site.address).toBe('Block 7, Riverside Logistics Park, Wuhan');
        expect(ticket.operatorWords).toMatch(/outriggers on my pump truck will not come down/);
        expect(ticket.stepsTried).toHaveLength(total);
        expect(ticket.stepsTried.every((s) => s.faultId === 'PT-H08' && s.result === 'not-fixed')).toBe(true);
        expect(ticket.machineDown).toBe(true);
        // The same ticket as the store holds it.
        const stored = await server.app.services().tickets!.get(number, { role: 'admin', label: 'test' });
        expect(stored).toEqual(expect.objectContaining({ number, source: 'bot', machineDown: true }));

        // The whole conversation still reads well on a phone.
        await page.setViewportSize({ width: 400, height: 800 });
        await page.locator(BOT_BUBBLES).last().scrollIntoViewIfNeeded();
        await expectFitsViewport(page, 400);
        await screenshot(page, 'chat-ticket-phone');

        await expectSelfContained(page, w, server.base);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'answers a Chinese operator in Chinese and hands over to a person on "人工" (phone-sized screen)',
    async () => {
      const context = await browser.newContext({
        viewport: { width: 400, height: 800 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
      });
      const page = await context.newPage();
      const w = await watch(context, page);
      try {
        await page.goto(`${server.base}/chat`);
        await waitForBot(page, /工程机械售后服务助手/);
        await expectFitsViewport(page, 400);
        await screenshot(page, 'chat-zh-greeting-phone');

        let mark = (await botTexts(page)).length;
        await type(page, '塔吊吊不起来');
        const ask = await waitForBot(page, /设备型号或出厂编号是多少/, mark);
        expect(ask.all.join('\n')).not.toMatch(/[A-Za-z]{4,}/); // all Chinese, no English sentence
        expect(await actionTitles(page)).toEqual(['跳过']);

        mark = (await botTexts(page)).length;
        await type(page, '人工');
        const handoff = await waitForBot(page, /正在为您转接人工客服/, mark);
        expect(handoff.text).toMatch(/不用重复描述/);
        expect(await actionTitles(page)).toEqual([]);
        await screenshot(page, 'chat-zh-handoff-phone');

        // The call center's queue holds the request, in Chinese, for a tower crane.
        const rows = await server.app.services().db!.query<Record<string, unknown>>('SELECT * FROM handoffs');
        expect(rows).toHaveLength(1);
        expect(rows[0]).toEqual(
          expect.objectContaining({ channel: 'directline', language: 'zh', product_line: 'TC', reason: 'user asked for a person', status: 'open' }),
        );
        const transcript = JSON.parse(String(rows[0]!.transcript)) as { from: string; text: string }[];
        expect(transcript.filter((l) => l.from === 'user').map((l) => l.text)).toEqual(['塔吊吊不起来', '人工']);

        await expectSelfContained(page, w, server.base);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
});

/** Nothing on the page is wider than the viewport (no sideways scrolling on a phone). */
async function expectFitsViewport(page: Page, width: number): Promise<void> {
  const sizes = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    sendBox: document.querySelector('[data-id="webchat-sendbox-input"]')?.getBoundingClientRect().right ?? 0,
  }));
  expect(sizes.scroll).toBeLessThanOrEqual(width);
  expect(sizes.body).toBeLessThanOrEqual(width);
  expect(sizes.sendBox).toBeGreaterThan(0);
  expect(sizes.sendBox).toBeLessThanOrEqual(width);
}
