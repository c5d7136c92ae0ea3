import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, until } from './support/browser.js';
import { serverAndBrowser } from './support/browser-suite.js';
import { api, KEYS } from './support/server.js';
import { ticketRequest } from './support/tickets.js';
import { botTexts, SEND_BOX, type, USER_BUBBLES, WAIT, waitForBot } from './support/webchat.js';

/**
 * The /chat page in a real Chromium: Microsoft's Web Chat (served from our own server)
 * against the server's local Direct Line endpoint, streaming over its WebSocket. Whole conversations
 * are held through Web Chat's own UI — typing in its send box and clicking the
 * suggested actions it renders — and what they leave behind (a dispatch ticket, a
 * handoff record) is checked in the store. The page may talk to nobody but its server,
 * and must run under its Content-Security-Policy without a single violation.
 */

const TIMEOUT = 120_000;

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
  /** WebSocket URLs the page opened. */
  sockets: string[];
  consoleErrors: string[];
  csp: string[];
}

/** The walk's "go on" answer: "Not fixed, next" after a fix, "Checked, next" after a check. */
const NEXT = /^(Not fixed|Checked), next$/;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The suggested actions Web Chat shows now. */
const actionTitles = async (page: Page) => (await page.locator('.webchat__suggested-actions button').allInnerTexts()).map((t) => t.trim());

/**
 * Waits until Web Chat shows suggested actions matching `expected` (they may render a
 * moment after the message that carries them), and returns them.
 */
async function expectActions(page: Page, expected: unknown[]): Promise<string[]> {
  const end = Date.now() + WAIT;
  for (;;) {
    const titles = await actionTitles(page);
    if (titles.length === expected.length && expect.objectContaining({ a: expected }).asymmetricMatch({ a: titles })) return titles;
    if (Date.now() > end) {
      expect(titles).toEqual(expected); // fails with a readable diff
      return titles;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
  const w: Watched = { requests: [], sockets: [], consoleErrors: [], csp: [] };
  await context.addInitScript(`
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber);
    });
  `);
  page.on('request', (r) => w.requests.push(r.url()));
  page.on('websocket', (ws) => w.sockets.push(ws.url()));
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
  // Replies arrive over the conversation's streamUrl WebSocket, not by polling.
  const wsOrigin = origin.replace(/^http/, 'ws');
  expect(w.sockets.length).toBeGreaterThan(0);
  expect(w.sockets.every((u) => u.startsWith(`${wsOrigin}/v3/directline/conversations/`) && u.includes('/stream?'))).toBe(true);
  expect(w.requests.filter((u) => u.includes('/activities?watermark='))).toEqual([]);
  const violations = [...w.csp, ...(await page.evaluate<string[]>('window.__cspViolations ?? []'))];
  expect(violations).toEqual([]);
  // Not even a failed load (e.g. a /favicon.ico 404): the console stays clean.
  expect(w.consoleErrors).toEqual([]);
}

describe('the /chat page (Web Chat over the local Direct Line) in Chromium', () => {
  const env = serverAndBrowser(TIMEOUT);

  it(
    'holds an English conversation through Web Chat to a dispatch ticket',
    async () => {
      const context = await env.browser.newContext({
        viewport: { width: 1366, height: 768 },
        locale: 'en-US',
        timezoneId: 'Asia/Shanghai',
      });
      const page = await context.newPage();
      const w = await watch(context, page);
      try {
        await page.goto(`${env.server.base}/chat`);
        await expect(page.title()).resolves.toBe('Service assistant · 售后服务助手');

        // 1. The greeting, in both languages, in one message.
        const greeting = await waitForBot(page, /service assistant/);
        expect(greeting.text).toMatch(/工程机械售后服务助手/);
        expect(greeting.text).toMatch(/Type ["“]agent["”] at any time/);
        expect(await page.locator(SEND_BOX).getAttribute('aria-label')).toMatch(/message input/i);
        await shot(page, 'chat-greeting');

        // 2. The fault in the operator's words; the machine is named, so the bot asks for the model.
        let mark = (await botTexts(page)).length;
        await type(page, 'the outriggers on my pump truck will not come down');
        const askModel = await waitForBot(page, /model or serial number/, mark);
        expect(askModel.all.join('\n')).not.toMatch(/Which machine/);
        await expectActions(page, ['Skip']);

        mark = (await botTexts(page)).length;
        await click(page, 'Skip');
        const step1 = await waitForBot(page, /^Step 1 of (\d+): /, mark);
        const said = step1.all.join('\n');
        expect(said).toMatch(/This sounds like: Outriggers will not extend\/retract/);
        expect(said).toMatch(/a few checks you can safely do/); // PT-H08 is checks-only
        // The safety notes render as a list, one note a line (not run together into one paragraph).
        expect(said).toMatch(/Safety first:\s*\n\s*If a leg creeps[^\n]*\n\s*Keep everyone out/);
        const total = Number(step1.match[1]);
        expect(total).toBeGreaterThan(0);
        // The second answer reads "Not fixed, next" for a fix and "Checked, next" for a check.
        // Every step also lets the operator say the match is wrong.
        await expectActions(page, ['Fixed', expect.stringMatching(NEXT), "I can't do this", 'Talk to a person', "That's not my problem"]);
        await shot(page, 'chat-steps');
        // The five answers still fit (wrapping) on a phone.
        await page.setViewportSize({ width: 400, height: 800 });
        await expectFitsViewport(page, 400);
        await expectActionsVisible(page, 5);
        await shot(page, 'chat-steps-phone');
        await page.setViewportSize({ width: 1366, height: 768 });

        // Every check fails: the steps run out and the bot asks where the machine is.
        for (let n = 1; n <= total; n++) {
          mark = (await botTexts(page)).length;
          // "That's not my problem" is offered at every step.
          const titles = await expectActions(page, [
            'Fixed',
            expect.stringMatching(NEXT),
            "I can't do this",
            'Talk to a person',
            "That's not my problem",
          ]);
          await click(page, titles[1]!);
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
        await expectActions(page, ['Yes', 'No']);

        mark = (await botTexts(page)).length;
        await click(page, 'Yes');
        const summary = await waitForBot(page, /^Please check: /, mark);
        expect(summary.text).toMatch(/Outriggers will not extend/);
        expect(summary.text).toMatch(/Block 7, Riverside Logistics Park, Wuhan/);
        expect(summary.text).toMatch(/Chen Jun \+8613912345678/);
        expect(summary.text).toMatch(/machine down[^:]*: Yes/i);
        await expectActions(page, ['Send it', 'Cancel']);
        await shot(page, 'chat-summary');

        mark = (await botTexts(page)).length;
        await click(page, 'Send it');
        const created = await waitForBot(page, /^Your ticket number is (FT-\d{4}-\d{6})\. A service coordinator will contact you/, mark);
        const number = created.match[1]!;
        await expectActions(page, []);
        await shot(page, 'chat-ticket');

        // 3. The ticket in the store, through the API.
        const res = await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${number}`);
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
        for (const s of ticket.stepsTried) expect(s).toEqual(expect.objectContaining({ faultId: 'PT-H08', result: 'not-fixed' }));
        expect(ticket.machineDown).toBe(true);
        // The same ticket as the store holds it.
        const stored = await env.server.app.services().tickets!.get(number, { role: 'admin', label: 'test' });
        expect(stored).toEqual(expect.objectContaining({ number, source: 'bot', machineDown: true }));

        // The whole conversation still reads well on a phone.
        await page.setViewportSize({ width: 400, height: 800 });
        await expectFitsViewport(page, 400);
        await shot(page, 'chat-ticket-phone');

        await expectSelfContained(page, w, env.server.base);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'answers a Chinese operator in Chinese and hands over to a person on "人工" (phone-sized screen)',
    async () => {
      const context = await env.browser.newContext({
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
        await page.goto(`${env.server.base}/chat`);
        await waitForBot(page, /工程机械售后服务助手/);
        await expectFitsViewport(page, 400);
        await shot(page, 'chat-zh-greeting-phone');

        let mark = (await botTexts(page)).length;
        await type(page, '塔吊吊不起来');
        const ask = await waitForBot(page, /设备型号或出厂编号是多少/, mark);
        expect(ask.all.join('\n')).not.toMatch(/[A-Za-z]{4,}/); // all Chinese, no English sentence
        await expectActions(page, ['跳过']);

        mark = (await botTexts(page)).length;
        await type(page, '人工');
        const handoff = await waitForBot(page, /正在为您转接人工客服/, mark);
        expect(handoff.text).toMatch(/不用重复描述/);
        await expectActions(page, []);
        await shot(page, 'chat-zh-handoff-phone');

        // The call center's queue holds the request, in Chinese, for a tower crane.
        const rows = await env.server.app.services().db!.query<Record<string, unknown>>('SELECT * FROM handoffs');
        expect(rows).toHaveLength(1);
        expect(rows[0]).toEqual(
          expect.objectContaining({
            channel: 'directline',
            language: 'zh',
            product_line: 'TC',
            reason: 'user asked for a person',
            status: 'open',
          }),
        );
        const transcript = JSON.parse(String(rows[0]!.transcript)) as { from: string; text: string }[];
        expect(transcript.filter((l) => l.from === 'user').map((l) => l.text)).toEqual(['塔吊吊不起来', '人工']);

        await expectSelfContained(page, w, env.server.base);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
  it(
    'receives the agent’s reply and ticket updates over the WebSocket, and a reload resumes the conversation',
    async () => {
      const context = await env.browser.newContext({ viewport: { width: 400, height: 800 }, locale: 'en-US', timezoneId: 'Asia/Shanghai' });
      const page = await context.newPage();
      const w = await watch(context, page);
      const json = async <T>(res: Promise<Response>) => (await (await res).json()) as T;
      try {
        await page.goto(`${env.server.base}/chat`);
        await waitForBot(page, /service assistant/);
        await type(page, 'the boom of my pump truck shakes when it moves');
        let mark = (await botTexts(page)).length;
        await type(page, 'agent');
        await waitForBot(page, /handing you over/i, mark);
        const kept = JSON.parse((await page.evaluate<string | null>(`sessionStorage.getItem('triage-chat-conversation')`)) ?? '{}') as {
          conversationId: string;
          userId: string;
        };
        expect(kept.conversationId).toMatch(/\S/);

        // The agent claims the chat and writes; a ticket is opened and assigned: all pushed to the page.
        const handoff = await until(
          async () =>
            (
              await json<{ handoffs: { id: string; conversationId: string }[] }>(
                api(env.server.base, KEYS.agent, 'GET', '/api/handoffs?status=open'),
              )
            ).handoffs,
          (hs) => hs.some((h) => h.conversationId === kept.conversationId),
          'the handoff in the queue',
        ).then((hs) => hs.find((h) => h.conversationId === kept.conversationId)!);
        mark = (await botTexts(page)).length;
        await api(env.server.base, KEYS.agent, 'POST', `/api/handoffs/${handoff.id}/claim`);
        await waitForBot(page, /has joined the chat/, mark);
        await api(env.server.base, KEYS.agent, 'POST', `/api/handoffs/${handoff.id}/messages`, {
          text: 'Hello, Wang from the service desk here. Is the boom folded now?',
        });
        await waitForBot(page, /Wang from the service desk/, mark);
        const detail = await json<{ ticketReference: string }>(api(env.server.base, KEYS.agent, 'GET', `/api/handoffs/${handoff.id}`));
        const ticket = await json<{ id: string; number: string }>(
          api(env.server.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest({ reference: detail.ticketReference, source: 'panel' }), {
            'idempotency-key': `chat-ws-${handoff.id}`,
          }),
        );
        await api(env.server.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-07' });
        await waitForBot(page, new RegExp(`Ticket ${ticket.number}: technician Li Qiang has been assigned`), mark);
        const before = { bot: await botTexts(page), user: await page.locator(USER_BUBBLES).allInnerTexts() };

        // A reload (the phone dropped the tab): the same conversation, its history, no new greeting.
        await page.reload();
        await waitForBot(page, new RegExp(`Ticket ${ticket.number}: technician Li Qiang`));
        expect(await botTexts(page)).toEqual(before.bot);
        expect(await page.locator(USER_BUBBLES).allInnerTexts()).toEqual(before.user);
        const again = JSON.parse((await page.evaluate<string | null>(`sessionStorage.getItem('triage-chat-conversation')`)) ?? '{}') as {
          conversationId: string;
          userId: string;
        };
        expect(again).toEqual(expect.objectContaining({ conversationId: kept.conversationId, userId: kept.userId }));
        expect(w.requests.filter((u) => u.endsWith('/chat/token'))).toHaveLength(1);

        // It goes on where it was: the operator's words reach the agent, the next update reaches the page.
        await type(page, 'yes it is folded, nobody is near it');
        await until(
          async () =>
            (
              await json<{ messages: { from: string; text: string }[] }>(
                api(env.server.base, KEYS.agent, 'GET', `/api/handoffs/${handoff.id}/messages?after=0`),
              )
            ).messages,
          (ms) => ms.some((m) => m.from === 'operator' && /nobody is near it/.test(m.text)),
          'the operator’s message at the agent',
        );
        mark = (await botTexts(page)).length;
        await api(env.server.base, KEYS.tech7, 'POST', `/api/tickets/${ticket.id}/status`, { status: 'en_route' });
        await waitForBot(page, new RegExp(`Ticket ${ticket.number}: Li Qiang is on the way`), mark);
        await shot(page, 'chat-resumed-phone');
        await expectSelfContained(page, w, env.server.base);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
});

/**
 * A screenshot once Web Chat has settled: connected, and its (animated) scroll to the
 * newest message finished, so the picture shows what the user sees at rest.
 */
async function shot(page: Page, name: string): Promise<void> {
  const end = Date.now() + WAIT;
  let last = '';
  for (;;) {
    const state = await page.evaluate<string>(`(() => {
      const s = document.querySelector('.webchat__basic-transcript__scrollable');
      const atEnd = !s || s.scrollTop + s.clientHeight >= s.scrollHeight - 2;
      const connecting = Array.from(document.querySelectorAll('.webchat__connectivityStatus')).some((e) => e.innerText.trim() !== '');
      return atEnd && !connecting ? 'settled' : 'scroll ' + (s && s.scrollTop) + '/' + (s && s.scrollHeight) + (connecting ? ' connecting' : '');
    })()`);
    // Settled, and the same on two looks 150 ms apart.
    if (state === 'settled' && last === 'settled') break;
    if (Date.now() > end) throw new Error(`Web Chat did not settle for the screenshot ${name}: ${state}`);
    last = state;
    await new Promise((r) => setTimeout(r, 150));
  }
  await screenshot(page, name);
}

/** The suggested actions are all inside the viewport (none cut off or pushed out of sight). */
async function expectActionsVisible(page: Page, count: number): Promise<void> {
  const buttons = await page.locator('.webchat__suggested-actions button').all();
  const boxes = await Promise.all(buttons.map(async (b) => (await b.boundingBox())!));
  const viewport = page.viewportSize()!;
  expect(boxes).toHaveLength(count);
  for (const b of boxes) {
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(viewport.width);
    expect(b.y).toBeGreaterThanOrEqual(0);
    expect(b.y + b.height).toBeLessThanOrEqual(viewport.height);
  }
}

/** Nothing on the page is wider than the viewport (no sideways scrolling on a phone). */
async function expectFitsViewport(page: Page, width: number): Promise<void> {
  const sizes = await page.evaluate<{ scroll: number; body: number; sendBox: number }>(`({
    scroll: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    sendBox: document.querySelector('${SEND_BOX}')?.getBoundingClientRect().right ?? 0,
  })`);
  expect(sizes.scroll).toBeLessThanOrEqual(width);
  expect(sizes.body).toBeLessThanOrEqual(width);
  expect(sizes.sendBox).toBeGreaterThan(0);
  expect(sizes.sendBox).toBeLessThanOrEqual(width);
}
