import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import type { HandoffDetail, HandoffList } from '../src/api/handoffs.js';
import { launchBrowser, screenshot, until } from './support/browser.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

/**
 * The live chats in the call-center panel, in Chromium, against an operator in /chat in
 * the same browser: the chat appears in the agent's queue without a reload (with its cue
 * and waiting time), the agent claims it, they write to each other with typing shown both
 * ways while the bot stays silent, the agent opens a ticket from the chat (the operator is
 * told its number) and hands the chat back to the bot.
 */

const TIMEOUT = 150_000;
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BOT_BUBBLES = '.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content';
const USER_BUBBLES = '.webchat__bubble--from-user .webchat__bubble__content';
const SEND_BOX = '[data-id="webchat-sendbox-input"]';

const text = async (p: Page, selector: string) => ((await p.locator(selector).first().textContent()) ?? '').trim();
const botTexts = (p: Page) => p.locator(BOT_BUBBLES).allInnerTexts();

async function waitForBot(p: Page, pattern: RegExp, from = 0): Promise<string> {
  const all = await until(
    async () => (await botTexts(p)).slice(from),
    (ts) => ts.some((x) => pattern.test(x)),
    `a bot message matching ${pattern}`,
  );
  return all.filter((x) => pattern.test(x)).at(-1)!;
}

async function say(p: Page, words: string): Promise<void> {
  const before = await p.locator(USER_BUBBLES).count();
  await p.locator(SEND_BOX).fill(words);
  await p.locator(SEND_BOX).press('Enter');
  await p.locator(USER_BUBBLES).nth(before).waitFor({ timeout: 20_000 });
}

describe('live chats in the call-center panel (Chromium)', () => {
  let srv: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // Nobody-came notices are the API test's subject; here the agent is quick.
    srv = await startTestServer({
      live: { unclaimedAfterSeconds: 600, pickupTargetSeconds: 120, sweepSeconds: 1, timeZone: 'Asia/Shanghai' },
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  }, TIMEOUT);

  it(
    'answers an operator’s /chat from the panel: queue, claim, messages and typing both ways, a ticket from the chat, back to the bot',
    async () => {
      const panelContext = await browser.newContext({
        viewport: { width: 1366, height: 768 },
        locale: 'en-GB',
        timezoneId: 'Asia/Shanghai',
      });
      const chatContext = await browser.newContext({ viewport: { width: 400, height: 800 }, locale: 'en-US', timezoneId: 'Asia/Shanghai' });
      const panel = await panelContext.newPage();
      const chat = await chatContext.newPage();
      const problems: string[] = [];
      for (const p of [panel, chat]) {
        p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        p.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text()));
      }
      const panelSockets: string[] = [];
      panel.on('websocket', (ws) => panelSockets.push(ws.url()));
      try {
        // The agent signs in and opens the live chats: nobody is waiting.
        await panel.goto(`${srv.base}/panel`);
        await panel.getByLabel('API key').fill(KEYS.agent);
        await panel.getByLabel('API key').press('Enter');
        await panel.getByRole('tab', { name: /^Live chats/ }).click();
        await until(
          () => text(panel, '#live'),
          (t) => t.includes('Nobody is waiting.'),
          'the empty queue',
        );

        // The operator asks for a person in /chat.
        await chat.goto(`${srv.base}/chat`);
        await waitForBot(chat, /service assistant/);
        await say(chat, 'the boom of my pump truck shakes when it moves');
        let mark = (await botTexts(chat)).length;
        await say(chat, 'I want to talk to a person');
        await waitForBot(chat, /handing you over/i, mark);

        // It appears in the agent's queue without a reload, marked new, with its waiting time; the tab counts it.
        const item = panel.locator('#live-waiting button.live-item');
        await until(
          () => item.count(),
          (n) => n === 1,
          'the chat in the queue',
        );
        expect(await item.getAttribute('class')).toContain('new');
        expect(await panel.locator('#live-waiting').getAttribute('data-cues')).toBe('1');
        expect(await item.innerText()).toMatch(/PT[\s\S]*waiting \d+m? ?\d*s?[\s\S]*boom of my pump truck shakes/);
        expect(await text(panel, '#tab-live')).toBe('Live chats (1 waiting)');
        await screenshot(panel, 'panel-live-queue');

        // The agent opens it: what the bot knew, then claims it; the operator hears a person joined.
        await item.click();
        await until(
          () => text(panel, '#live-transcript'),
          (t) => t.includes('the boom of my pump truck shakes'),
          'the transcript',
        );
        expect(await text(panel, '#live-facts')).toMatch(/Machine\s*PT/);
        mark = (await botTexts(chat)).length;
        await panel.getByRole('button', { name: 'Claim' }).click();
        await waitForBot(chat, /has joined the chat/, mark);
        await until(
          () => text(panel, '#live-holder'),
          (t) => t.startsWith('You hold this chat'),
          'the chat held',
        );
        expect(await panel.evaluate<string>('document.activeElement?.id ?? ""')).toBe('live-reply');
        expect(await panel.locator('#live-held button.live-item').count()).toBe(1);
        expect(await panel.locator('#live-waiting button.live-item').count()).toBe(0);

        // The agent types: Web Chat shows the typing indicator, then the message.
        await panel.locator('#live-reply').pressSequentially('Hello, Li from the service desk', { delay: 20 });
        await chat.locator('.webchat__typing-indicator').first().waitFor({ state: 'attached', timeout: 10_000 });
        await panel.locator('#live-reply').pressSequentially('. Is the boom folded?', { delay: 5 });
        await panel.locator('#live-reply').press('Enter');
        await waitForBot(chat, /^Hello, Li from the service desk\. Is the boom folded\?$/, mark);
        expect(await panel.locator('#live-reply').inputValue()).toBe('');

        // The operator types (the agent sees it) and answers; the bot stays silent.
        const botBefore = (await botTexts(chat)).length;
        await chat.locator(SEND_BOX).pressSequentially('yes it is folded, nobody is near', { delay: 30 });
        await until(
          () => text(panel, '#live-typing'),
          (t) => t === 'The operator is typing…',
          'the operator typing',
        );
        await chat.locator(SEND_BOX).press('Enter');
        await until(
          () => text(panel, '#live-transcript'),
          (t) => t.includes('yes it is folded, nobody is near'),
          'the operator’s answer at the agent',
        );
        await until(
          () => text(panel, '#live-typing'),
          (t) => t === '',
          'the typing notice gone',
        );
        await new Promise((r) => setTimeout(r, 1000));
        expect((await botTexts(chat)).length).toBe(botBefore);
        await screenshot(panel, 'panel-live-chat');

        // A ticket from the chat: the call view's form, prefilled and linked; the operator hears its number.
        await panel.getByRole('button', { name: 'Open a ticket' }).click();
        await until(() => panel.locator('#ticket-section').isVisible(), Boolean, 'the ticket form');
        expect(await panel.getByRole('tab', { name: 'Phone call' }).getAttribute('aria-selected')).toBe('true');
        const words = await panel.getByLabel("Caller's words").inputValue();
        expect(words).toContain('the boom of my pump truck shakes when it moves');
        expect(words).toContain('yes it is folded, nobody is near');
        expect(await text(panel, '#chat-link-note')).toMatch(/operator hears about it/);
        await panel.getByLabel('Customer name').fill('Harbour Construction');
        await panel.getByLabel('Site address').fill('Block 7, Riverside Logistics Park, Wuhan');
        await panel.getByLabel('Contact name').fill('Chen Jun');
        await panel.getByLabel('Phone').fill('139 1234 5678');
        mark = (await botTexts(chat)).length;
        await panel.getByRole('button', { name: 'Send ticket to dispatch' }).click();
        const number = (
          await until(
            () => text(panel, '#ticket-number'),
            (t) => /^Ticket FT-\d{4}-\d{6}$/.test(t),
            'the ticket number',
          )
        ).replace('Ticket ', '');
        await waitForBot(chat, new RegExp(`Service ticket ${number} has been opened`), mark);
        const list = (await (await api(srv.base, KEYS.agent, 'GET', '/api/handoffs?status=claimed')).json()) as HandoffList;
        const detail = (await (await api(srv.base, KEYS.agent, 'GET', `/api/handoffs/${list.handoffs[0]!.id}`)).json()) as HandoffDetail;
        expect(detail.tickets.map((k) => k.number)).toEqual([number]);

        // Back in the chat view the ticket is listed; the agent hands the chat back to the bot.
        await panel.getByRole('tab', { name: /^Live chats/ }).click();
        await until(
          () => text(panel, '#live-facts'),
          (t) => t.includes(number),
          'the ticket on the chat',
        );
        const violations = await axe(panel);
        expect(violations).toEqual([]);
        mark = (await botTexts(chat)).length;
        await panel.getByRole('button', { name: 'Hand back to the bot' }).click();
        await waitForBot(chat, /handed you back to the assistant/, mark);
        await until(
          () => text(panel, '#live-holder'),
          (t) => t === 'This chat is closed.',
          'the chat closed',
        );
        await until(
          () => panel.locator('#live-held button.live-item').count(),
          (n) => n === 0,
          'the held list empty',
        );

        expect(panelSockets.filter((u) => u.endsWith('/api/live'))).toHaveLength(1);
        expect(problems).toEqual([]);
      } finally {
        await panelContext.close();
        await chatContext.close();
      }
    },
    TIMEOUT,
  );
});

/** axe-core in the page (injected over the DevTools protocol: the page's CSP forbids inline scripts); serious and critical findings. */
async function axe(p: Page): Promise<string[]> {
  if (!(await p.evaluate<boolean>('typeof window.axe === "object"'))) await p.evaluate(AXE_SOURCE);
  const violations = await p.evaluate<{ id: string; impact: string; nodes: string[] }[]>(
    `axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
  );
  return violations.map((v) => `[${v.impact}] ${v.id}: ${v.nodes.slice(0, 3).join(', ')}`);
}
