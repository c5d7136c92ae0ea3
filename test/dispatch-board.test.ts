import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createLogger } from '../src/config/logger.js';
import type { App } from '../src/server/server.js';
import { startServer } from '../src/server/server.js';
import { launchBrowser, screenshot, until } from './support/browser.js';
import { KNOWLEDGE_DIR } from './support/paths.js';

/**
 * The dispatch board in a real Chromium against a real server (fresh SQLite, lexical
 * retrieval only): sign-in, the list with live countdowns, filters, details, assign,
 * status changes checked in the store, a version conflict, an illegal transition,
 * auto-refresh, the actions each role is offered (GET /api/me), fault titles from the
 * manual (GET /api/faults), and that the page talks to nobody but its own server.
 */

const DISPATCHER = 'dispatcher-secret-0001';
const TECHNICIAN = 'technician-secret-07';
const AGENT = 'agent-secret-0000001';
const ADMIN = 'admin-secret-000001';
const PT_H01 = 'Boom does not move or moves very slowly when operated';
const TIMEOUT = 60_000;

interface ClockView {
  name: string;
  dueAt: string;
  metAt?: string;
  state: string;
}
interface TicketView {
  id: string;
  number: string;
  status: string;
  version: number;
  technicianId?: string;
  history: { action: string; to?: string; technicianId?: string }[];
  slaStatus: ClockView[];
}

const PT_WORDS = 'Boom <b>won\'t</b> move <img src=x id="xss" onerror="window.__xss=1"> & it "hisses" — 臂架不动作\nsecond line';

const ticketBody = (line: string, fault: string, extra: Record<string, unknown> = {}) => ({
  customer: { name: `${line} Customer Ltd`, site: { address: `${line} Road 12, Changsha` } },
  contact: { name: `Contact ${line}`, phone: '+8613800138000' },
  equipment: { productLine: line, model: `${line}-MODEL-1` },
  faults: [{ id: fault }],
  operatorWords: `The ${line} machine has a problem`,
  machineDown: false,
  ...extra,
});

describe('dispatch board in Chromium', () => {
  let app: App;
  let base: string;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** A second tab of its own (its own sessionStorage) for the agent and the technician. */
  let other: Page;
  const requested: string[] = [];
  const consoleProblems: string[] = [];
  const tickets: Record<'PT' | 'CP' | 'TC', TicketView> = {} as Record<'PT' | 'CP' | 'TC', TicketView>;

  const api = async <T = TicketView>(method: 'GET' | 'POST', path: string, body?: unknown, key = DISPATCHER) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const rowNumbers = () => page.locator('#ticket-rows tr th').allTextContents();
  const row = (number: string) => page.locator('#ticket-rows tr', { has: page.getByRole('button', { name: number, exact: true }) });
  const statusButtons = () => page.locator('#status-buttons button').allTextContents();
  const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();
  const alertText = async () => ((await page.locator('#alert').isVisible()) ? await text('#alert-text') : '');

  const watch = (p: Page) => {
    p.on('request', (r) => requested.push(r.url()));
    p.on('console', (m) => {
      // A 401 or 409 answer is logged by Chromium as a failed resource load; that is expected here.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleProblems.push(m.text());
    });
    p.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dispatch-board-'));
    app = await startServer(
      {
        port: 0,
        dataDir,
        knowledgeDir: KNOWLEDGE_DIR,
        logLevel: 'silent',
        embedder: { kind: 'none' },
        apiKeys: [
          { secret: DISPATCHER, role: 'dispatcher' },
          { secret: TECHNICIAN, role: 'technician', technicianId: 'T-07' },
          { secret: AGENT, role: 'agent' },
          { secret: ADMIN, role: 'admin' },
        ],
      },
      createLogger('silent'),
    );
    await app.ready;
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await app.services().roster!.create({
      id: 'T-07',
      name: 'Li Qiang',
      phone: '+8613800000007',
      skills: ['PT', 'CP', 'RR', 'TC'],
      region: 'Changsha',
      active: true,
    });
    await app
      .services()
      .roster!.create({ id: 'T-08', name: 'Zhao Min', phone: '+8613800000008', skills: ['TC'], region: 'Wuhan', active: true });

    // Created CP, PT, TC: the server lists newest first (TC, PT, CP); by priority the
    // PT that is down (premium, respond in 1 h) comes first, then CP and TC (24 h, CP opened earlier).
    for (const [line, fault, extra] of [
      ['CP', 'CP-M01', {}],
      [
        'PT',
        'PT-H01',
        {
          customer: {
            name: 'Jiangbei <Construction> & Sons',
            site: { address: 'Xiangjiang Rd 88, Yuelu District, Changsha', lat: 28.2, lon: 112.9 },
          },
          contact: { name: 'Wang Lei', phone: '+8613800138000' },
          equipment: { productLine: 'PT', model: 'SY5418THB 62m', serial: 'PT62-0042' },
          operatorWords: PT_WORDS,
          stepsTried: [
            { step: 'Checked the hydraulic oil level', result: 'not-fixed' },
            { step: 'Restarted the engine <script>', result: 'could-not-do' },
          ],
          machineDown: true,
          reference: 'call-778',
        },
      ],
      ['TC', 'TC-E04', {}],
    ] as const) {
      const res = await api('POST', '/api/tickets', ticketBody(line, fault, extra));
      if (res.status !== 201) throw new Error(`creating a ${line} ticket: ${res.status} ${JSON.stringify(res.body)}`);
      tickets[line] = res.body;
    }

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Asia/Shanghai' });
    // Timers under the test's control: the 15 s auto-refresh cannot slip in between a
    // change made behind the page's back and the click that must conflict with it.
    await context.clock.install();
    page = await context.newPage();
    watch(page);
    await page.goto(`${base}/dispatch`);
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, TIMEOUT);

  it(
    'shows the error for a wrong key and stays on the sign-in form',
    async () => {
      await page.getByLabel('API key').fill('not-a-valid-key-0000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const message = await until(alertText, (t) => t.length > 0, 'the sign-in error');
      expect(message).toMatch(/Sign-in failed: unknown API key/);
      expect(await page.getByRole('alert').isVisible()).toBe(true);
      expect(await page.locator('#board').isVisible()).toBe(false);
      expect(await page.locator('#sign-in').isVisible()).toBe(true);
      expect(await page.evaluate<string | null>("sessionStorage.getItem('dispatch.apiKey')")).toBeNull();
      await screenshot(page, 'dispatch-sign-in-error');
    },
    TIMEOUT,
  );

  it(
    'lists the open tickets, most urgent deadline first, with live countdowns',
    async () => {
      await page.getByLabel('API key').fill(DISPATCHER);
      await page.getByLabel('API key').press('Enter');
      const numbers = await until(rowNumbers, (n) => n.length === 3, 'three rows');
      expect(numbers).toEqual([tickets.PT.number, tickets.CP.number, tickets.TC.number]);
      expect(await page.locator('#alert').isVisible()).toBe(false);
      expect(await page.evaluate<string | null>("sessionStorage.getItem('dispatch.apiKey')")).toBe(DISPATCHER);
      // The key is not left in the form.
      expect(await page.getByLabel('API key').inputValue()).toBe('');
      // GET /api/me names the role; a dispatcher's list is asked for most urgent first.
      expect(
        await until(
          () => text('#whoami'),
          (t) => t.length > 0,
          'the role line',
        ),
      ).toBe('Signed in as dispatcher');
      expect(requested.some((u) => u.endsWith('/api/me'))).toBe(true);
      expect(requested.some((u) => u.includes('/api/tickets?') && u.includes('sort=priority'))).toBe(true);

      const ptRow = row(tickets.PT.number);
      // Fault titles from GET /api/faults, next to the ids.
      await until(
        () => ptRow.locator('td.faults').textContent(),
        (t) => (t ?? '').includes(PT_H01),
        'the fault title',
      );
      expect(requested.some((u) => u.endsWith('/api/faults'))).toBe(true);
      const cells = await ptRow.locator('td').allTextContents();
      expect(cells[0]).toBe('PT');
      expect(cells[1]).toBe('SY5418THB 62m');
      expect(cells[2]).toBe(`PT-H01 ${PT_H01}`);
      expect(await ptRow.locator('td.faults .fault-id').textContent()).toBe('PT-H01');
      expect(await row(tickets.CP.number).locator('td.faults').textContent()).toBe('CP-M01 Delivery line blockage (pipe plugged)');
      expect(cells[3]).toBe('DOWN');
      expect(cells[4]).toBe('New');
      expect(cells[5]).toBe('—');
      // Premium tier, machine down: respond within 1 h, shown as a countdown with its state in words and class.
      expect(cells[6]).toMatch(/^Respond\s*● On track\s*5\dm \d\ds left$/);
      expect(await ptRow.locator('.sla-badge').getAttribute('class')).toContain('sla-on-track');
      expect(cells[7]).toMatch(/^\d\d-\d\d \d\d:\d\d$/);
      expect((await row(tickets.CP.number).locator('td').allTextContents())[6]).toMatch(/^Respond\s*● On track\s*23h 5\dm \d\ds left$/);

      // The countdown runs on the client, second by second.
      const countdown = () => ptRow.locator('.countdown').innerText();
      const first = await countdown();
      await until(countdown, (t) => t !== first, 'the countdown to tick', 5_000);

      await screenshot(page, 'dispatch-list');
    },
    TIMEOUT,
  );

  it(
    'filters by product line and overdue, re-querying the API',
    async () => {
      const before = requested.filter((u) => u.includes('/api/tickets?')).length;
      await page.getByLabel('Product line').selectOption('CP');
      expect(await until(rowNumbers, (n) => n.length === 1, 'only the CP ticket')).toEqual([tickets.CP.number]);
      expect(requested.some((u) => u.includes('/api/tickets?') && u.includes('productLine=CP'))).toBe(true);

      await page.getByLabel('Product line').selectOption('');
      await until(rowNumbers, (n) => n.length === 3, 'all tickets again');

      await page.getByLabel('Overdue only').check();
      await until(rowNumbers, (n) => n.length === 0, 'no overdue tickets');
      expect(await page.getByText('No tickets match these filters.').isVisible()).toBe(true);
      await page.getByLabel('Overdue only').uncheck();
      await until(rowNumbers, (n) => n.length === 3, 'all tickets again');
      expect(requested.filter((u) => u.includes('/api/tickets?')).length).toBeGreaterThanOrEqual(before + 4);
    },
    TIMEOUT,
  );

  it(
    'shows the details of a selected ticket with user text rendered as text',
    async () => {
      await page.getByRole('button', { name: tickets.PT.number, exact: true }).click();
      await until(
        () => text('#d-number'),
        (t) => t === tickets.PT.number,
        'the PT details',
      );
      await until(
        () => text('#d-facts'),
        (t) => t.includes('Version1'),
        'the full ticket',
      );

      const facts = await text('#d-facts');
      for (const expected of [
        'Jiangbei <Construction> & Sons',
        'Xiangjiang Rd 88, Yuelu District, Changsha',
        'Wang Lei',
        '+8613800138000',
        'PT-H01',
        'SY5418THB 62m',
        'PT62-0042',
        'premium',
        'call-778',
      ]) {
        expect(facts).toContain(expected);
      }
      expect(facts).toContain(`PT-H01 ${PT_H01}`);
      expect(facts).toMatch(/Grade[A-C]\d/);
      expect(facts).toMatch(/Workload coefficient\d+/);
      expect(facts).toMatch(/Likely parts(PT-[A-Z]+-\d+(, )?)+/);
      expect(await page.locator('#d-facts a[href="tel:+8613800138000"]').count()).toBe(1);

      // Operator's words exactly as typed: markup shows as text and nothing runs.
      expect(await page.locator('#d-words').textContent()).toBe(PT_WORDS);
      expect(await page.locator('#details img, #details b, #xss').count()).toBe(0);
      expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined();

      const steps = await page.locator('#d-steps li').allTextContents();
      expect(steps).toHaveLength(2);
      expect(steps[0]).toContain('Checked the hydraulic oil level');
      expect(steps[0]).toContain('did not fix it');
      expect(steps[1]).toContain('Restarted the engine <script>');

      const clocks = await page.locator('#d-sla tr').allTextContents();
      expect(clocks).toHaveLength(4);
      expect(clocks.map((c) => c.split(/\d/)[0])).toEqual(['Respond', 'On site', 'Fixed', 'Follow-up']);
      expect(await page.locator('#d-history li').count()).toBe(1);
      expect(await text('#d-history')).toContain('created');

      // new → only "cancel" is a status button ("assigned" is the assign action); dispatch may assign.
      expect(await statusButtons()).toEqual(['Cancel ticket']);
      expect(await page.locator('#assign-form').isVisible()).toBe(true);
      expect(await page.locator('#d-down').isVisible()).toBe(true);
      await screenshot(page, 'dispatch-details');
    },
    TIMEOUT,
  );

  it(
    'assigns T-07 and sets en route, visible in the page and in the store',
    async () => {
      await page.getByLabel('Assign technician (ID)').fill('T-07');
      await page.getByLabel('Note for the history (optional)').fill('nearest technician');
      await page.getByRole('button', { name: 'Assign', exact: true }).click();
      await until(
        () => text('#d-status'),
        (t) => t === 'Assigned',
        'status Assigned',
      );
      expect(await statusButtons()).toEqual(['En route', 'Cancel ticket']);
      await until(
        () => row(tickets.PT.number).locator('td').nth(5).innerText(),
        (t) => t === 'T-07',
        'T-07 in the list',
      );

      await page.getByRole('button', { name: 'En route', exact: true }).click();
      await until(
        () => text('#d-status'),
        (t) => t === 'En route',
        'status En route',
      );
      expect(await statusButtons()).toEqual(['On site', 'Cancel ticket']);
      await until(
        () => row(tickets.PT.number).locator('td').nth(4).innerText(),
        (t) => t === 'En route',
        'En route in the list',
      );
      // Respond is met; the list now counts down to the on-site clock (6 h for a premium machine that is down).
      expect(await row(tickets.PT.number).locator('td.next-sla').innerText()).toMatch(/^On site\s*● On track\s*5h 5\dm \d\ds left$/);
      expect(await page.locator('#d-sla tr').first().innerText()).toMatch(/Met/);
      expect(await page.locator('#d-history li').count()).toBe(3);
      expect(await page.locator('#d-history li').nth(1).innerText()).toContain('nearest technician');

      const stored = await api('GET', `/api/tickets/${tickets.PT.id}`);
      expect(stored.status).toBe(200);
      expect(stored.body.status).toBe('en_route');
      expect(stored.body.technicianId).toBe('T-07');
      expect(stored.body.version).toBe(3);
      expect(stored.body.history.map((h) => h.action)).toEqual(['created', 'assigned', 'status']);
      expect(stored.body.history[1]).toMatchObject({ action: 'assigned', technicianId: 'T-07', to: 'assigned' });
      expect(stored.body.history[2]).toMatchObject({ action: 'status', to: 'en_route' });
      expect(stored.body.slaStatus.find((c) => c.name === 'respond')?.state).toBe('met');

      // The technician filter finds it.
      await page.getByLabel('Technician ID').fill('T-07');
      await page.getByLabel('Technician ID').press('Enter');
      await until(rowNumbers, (n) => n.length === 1, 'only T-07 work');
      await page.getByLabel('Technician ID').fill('');
      await page.getByLabel('Technician ID').press('Enter');
      await until(rowNumbers, (n) => n.length === 3, 'all tickets again');
      await screenshot(page, 'dispatch-details-en-route');
      await page.locator('#d-history').scrollIntoViewIfNeeded();
      await screenshot(page, 'dispatch-details-history');
      await page.evaluate("document.getElementById('details').scrollTop = 0");
    },
    TIMEOUT,
  );

  it(
    'tells the user to reload on a 409, and auto-refreshes every 15 s',
    async () => {
      // Freeze the page's timers so that no refresh picks up the change below.
      await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);
      const behind = await api('POST', `/api/tickets/${tickets.PT.id}/status`, { status: 'on_site', expectedVersion: 3 });
      expect(behind.status).toBe(200);

      await page.getByRole('button', { name: 'On site', exact: true }).click();
      const message = await until(alertText, (t) => t.length > 0, 'the conflict message');
      expect(message).toMatch(/^Reload: someone changed this ticket/);
      expect(message).toContain('version 4, not 3');
      expect(await page.getByRole('alert').isVisible()).toBe(true);
      expect(await text('#d-status')).toBe('En route'); // nothing changed silently
      await screenshot(page, 'dispatch-conflict');

      await page.getByRole('button', { name: 'Reload ticket' }).click();
      await until(
        () => text('#d-status'),
        (t) => t === 'On site',
        'the reloaded status',
      );
      expect(await page.locator('#alert').isVisible()).toBe(false);
      // on_site → resolved (close-out only) or assigned (assign action): no status buttons.
      expect(await statusButtons()).toEqual([]);
      expect(await page.getByText('No status change is available from here.').isVisible()).toBe(true);

      // A ticket opened elsewhere appears on the next automatic refresh.
      const fresh = await api('POST', '/api/tickets', ticketBody('RR', 'RR-H01'));
      expect(fresh.status).toBe(201);
      expect(await rowNumbers()).toHaveLength(3);
      await page.clock.runFor(15_500);
      expect(await until(rowNumbers, (n) => n.length === 4, 'the new ticket after 15 s')).toContain(fresh.body.number);
      await page.clock.resume();
    },
    TIMEOUT,
  );

  it(
    'shows at-risk and breached deadlines with class and words, most urgent first',
    async () => {
      // The server cannot be made to age a ticket, so the list answer is aged on its way
      // to the page: CP as if opened 20 h ago (respond due in 4 h: at risk at 75 %),
      // TC as if opened 25 h ago (respond overdue by 1 h).
      const age: Record<string, number> = { [tickets.CP.id]: 20 * 3_600_000, [tickets.TC.id]: 25 * 3_600_000 };
      const shift = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();
      await page.route('**/api/tickets?**', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as {
          tickets: (TicketView & { createdAt: string; slaStatus: (ClockView & { remainingMs?: number })[] })[];
        };
        for (const t of body.tickets) {
          const ms = age[t.id];
          if (!ms) continue;
          t.createdAt = shift(t.createdAt, ms);
          for (const c of t.slaStatus) {
            c.dueAt = shift(c.dueAt, ms);
            if (c.remainingMs !== undefined) c.remainingMs -= ms;
          }
        }
        await route.fulfill({ response, json: body });
      });
      try {
        await page.getByRole('button', { name: 'Refresh' }).click();
        // The machine that is down stays on top; among the running ones the breached ticket leads.
        const order = await until(rowNumbers, (n) => n[1] === tickets.TC.number, 'the breached ticket first after the down machine');
        expect(order.slice(0, 3)).toEqual([tickets.PT.number, tickets.TC.number, tickets.CP.number]);

        const tc = row(tickets.TC.number).locator('td.next-sla');
        expect(await tc.innerText()).toMatch(/^Respond\s*✖ Breached\s*overdue 1h 00m \d\ds$/);
        expect(await tc.locator('.sla-badge').getAttribute('class')).toContain('sla-breached');
        const cp = row(tickets.CP.number).locator('td.next-sla');
        expect(await cp.innerText()).toMatch(/^Respond\s*▲ At risk\s*3h 59m \d\ds left$/);
        expect(await cp.locator('.sla-badge').getAttribute('class')).toContain('sla-at-risk');
        await screenshot(page, 'dispatch-sla-states');
      } finally {
        await page.unroute('**/api/tickets?**');
      }
      await page.getByRole('button', { name: 'Refresh' }).click();
      expect(await until(rowNumbers, (n) => n[1] === tickets.CP.number, 'the real order again')).toHaveLength(4);
    },
    TIMEOUT,
  );

  it(
    'counts down by the server clock from serverTime',
    async () => {
      // The list answer says the server's clock is an hour ahead: the countdowns follow it.
      const cpCountdown = () => row(tickets.CP.number).locator('td.next-sla').innerText();
      expect(await cpCountdown()).toMatch(/^Respond\s*● On track\s*23h 5\dm \d\ds left$/);
      await page.route('**/api/tickets?**', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { serverTime: string; tickets: unknown[] };
        expect(typeof body.serverTime).toBe('string');
        body.serverTime = new Date(Date.parse(body.serverTime) + 3_600_000).toISOString();
        await route.fulfill({ response, json: body });
      });
      try {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await until(cpCountdown, (t) => /22h 5\dm/.test(t), 'the countdown an hour shorter');
        expect(await cpCountdown()).toMatch(/^Respond\s*● On track\s*22h 5\dm \d\ds left$/);
      } finally {
        await page.unroute('**/api/tickets?**');
      }
      await page.getByRole('button', { name: 'Refresh' }).click();
      await until(cpCountdown, (t) => /23h 5\dm/.test(t), 'the countdown back on the real server clock');
    },
    TIMEOUT,
  );

  it(
    'switches to Chinese and back',
    async () => {
      await page.getByRole('button', { name: '中文 ZH' }).click();
      expect(await text('h1')).toBe('派工看板');
      expect(await page.evaluate<string>('document.documentElement.lang')).toBe('zh-CN');
      expect(await row(tickets.PT.number).locator('td').nth(4).innerText()).toBe('已到场');
      expect(await text('#whoami')).toBe('已登录：调度员');
      // Fault titles follow the UI language.
      expect(await row(tickets.PT.number).locator('td.faults').textContent()).toBe('PT-H01 臂架不动作或动作缓慢');
      expect(await text('#d-facts')).toContain('PT-H01 臂架不动作或动作缓慢');
      await screenshot(page, 'dispatch-zh');
      await page.getByRole('button', { name: 'English' }).click();
      expect(await text('h1')).toBe('Dispatch board');
      expect(await text('#whoami')).toBe('Signed in as dispatcher');
      expect(await row(tickets.PT.number).locator('td.faults').textContent()).toBe(`PT-H01 ${PT_H01}`);
    },
    TIMEOUT,
  );

  it(
    'offers only the legal next statuses after a close-out, and closes the ticket',
    async () => {
      const closeOut = await api(
        'POST',
        `/api/tickets/${tickets.PT.id}/close-out`,
        { actualFaultId: 'PT-H01', rootCauseClass: 'needs-repair', workDone: 'Replaced the relief valve', minutesOnSite: 90 },
        ADMIN,
      );
      expect(closeOut.status).toBe(200);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await until(
        () => text('#d-status'),
        (t) => t === 'Resolved',
        'the resolved status',
      );
      // resolved → closed or back on site; it can no longer be assigned.
      expect(await statusButtons()).toEqual(['Close (follow-up done)', 'Reopen: back on site']);
      expect(await page.getByLabel('Assign technician (ID)').isDisabled()).toBe(true);
      expect(await text('#d-facts')).toContain('Replaced the relief valve');

      await page.getByRole('button', { name: 'Close (follow-up done)' }).click();
      await until(
        () => text('#d-status'),
        (t) => t === 'Closed',
        'the closed status',
      );
      expect(await statusButtons()).toEqual([]);
      // Closed is not open: it leaves the list, the details stay.
      await until(rowNumbers, (n) => !n.includes(tickets.PT.number), 'the closed ticket to leave the open list');
      const stored = await api('GET', `/api/tickets/${tickets.PT.id}`);
      expect(stored.body.status).toBe('closed');
      expect(stored.body.slaStatus.every((c) => c.state === 'met' || c.state === 'met-late')).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "on an illegal transition shows the server's words and reloads the ticket",
    async () => {
      await page.getByRole('button', { name: tickets.CP.number, exact: true }).click();
      await until(
        () => text('#d-number'),
        (t) => t === tickets.CP.number,
        'the CP details',
      );
      await until(
        () => text('#d-facts'),
        (t) => t.includes('Version1'),
        'the full CP ticket',
      );
      expect(await statusButtons()).toEqual(['Cancel ticket']);
      // Cancelled behind the page's back. The page sends expectedVersion, which would make
      // this a version conflict; without it (as a page with an out-of-date transition table
      // would meet it) the server answers 409 illegal_transition.
      const behind = await api('POST', `/api/tickets/${tickets.CP.id}/status`, { status: 'cancelled', expectedVersion: 1 });
      expect(behind.status).toBe(200);
      const sent: unknown[] = [];
      await page.route('**/api/tickets/*/status', async (route) => {
        const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
        delete body.expectedVersion;
        sent.push(body);
        await route.continue({ postData: JSON.stringify(body) });
      });
      try {
        await page.getByRole('button', { name: 'Cancel ticket' }).click();
        await page.getByRole('button', { name: 'Confirm: cancel ticket' }).click();
        const message = await until(alertText, (t) => t.length > 0, 'the illegal-transition message');
        expect(sent).toEqual([{ status: 'cancelled' }]);
        expect(message).toBe(
          'Not possible: a ticket that is "cancelled" cannot become "cancelled" (it is final). The ticket has been reloaded.',
        );
        // Reloaded without being asked: the page shows the ticket as it now is.
        await until(
          () => text('#d-status'),
          (t) => t === 'Cancelled',
          'the reloaded status',
        );
        expect(await page.locator('#alert-reload').isVisible()).toBe(false);
        expect(await statusButtons()).toEqual([]);
        await until(rowNumbers, (n) => !n.includes(tickets.CP.number), 'the cancelled ticket to leave the open list');
        expect(await alertText()).toBe(message);
        await screenshot(page, 'dispatch-illegal-transition');
      } finally {
        await page.unroute('**/api/tickets/*/status');
      }
      await page.getByRole('button', { name: 'Dismiss' }).click();
    },
    TIMEOUT,
  );

  it(
    'offers an agent only the cancelling of a new ticket, and no assigning',
    async () => {
      other = await context.newPage();
      watch(other);
      await other.goto(`${base}/dispatch`);
      await other.getByLabel('API key').fill(AGENT);
      await other.getByLabel('API key').press('Enter');
      const who = () => other.locator('#whoami').innerText();
      expect(await until(who, (t) => t.length > 0, 'the agent role line')).toBe('Signed in as agent');
      const numbers = () => other.locator('#ticket-rows tr th').allTextContents();
      // Open: TC and RR (both new).
      const rr = (await api<{ tickets: TicketView[] }>('GET', '/api/tickets?productLine=RR')).body.tickets[0]!;
      expect((await until(numbers, (n) => n.length === 2, 'the open tickets')).sort()).toEqual([tickets.TC.number, rr.number].sort());

      await other.getByRole('button', { name: tickets.TC.number, exact: true }).click();
      await until(
        () => other.locator('#d-number').innerText(),
        (t) => t === tickets.TC.number,
        'the TC details',
      );
      await until(
        () => other.locator('#d-facts').innerText(),
        (t) => t.includes('Version'),
        'the full TC ticket',
      );
      expect(await other.locator('#status-buttons button').allTextContents()).toEqual(['Cancel ticket']);
      expect(await other.locator('#assign-form').isVisible()).toBe(false);
      expect(await other.getByLabel('Note for the history (optional)').isVisible()).toBe(true);

      // A closed ticket: nothing to do, and no note to write.
      await other.getByLabel('Status', { exact: true }).selectOption('');
      await until(numbers, (n) => n.includes(tickets.PT.number), 'all tickets');
      await other.getByRole('button', { name: tickets.PT.number, exact: true }).click();
      await until(
        () => other.locator('#d-status').innerText(),
        (t) => t === 'Closed',
        'the closed PT ticket',
      );
      expect(await other.locator('#status-buttons button').count()).toBe(0);
      expect(await other.getByText('No status change is available from here.').isVisible()).toBe(true);
      expect(await other.locator('#assign-form').isVisible()).toBe(false);
      expect(await other.locator('#note-field').isVisible()).toBe(false);

      await other.getByRole('button', { name: 'Sign out' }).click();
      expect(await other.locator('#whoami').isVisible()).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'shows a technician only their own tickets, with only en route / on site and no assigning',
    async () => {
      const rr = (await api<{ tickets: TicketView[] }>('GET', '/api/tickets?productLine=RR')).body.tickets[0]!;
      expect((await api('POST', `/api/tickets/${rr.id}/assign`, { technicianId: 'T-07', expectedVersion: rr.version })).status).toBe(200);
      expect((await api('POST', `/api/tickets/${tickets.TC.id}/assign`, { technicianId: 'T-08', expectedVersion: 1 })).status).toBe(200);

      await other.getByLabel('API key').fill(TECHNICIAN);
      await other.getByLabel('API key').press('Enter');
      const who = () => other.locator('#whoami').innerText();
      expect(await until(who, (t) => t.length > 0, 'the technician role line')).toBe('Signed in as technician T-07');
      const numbers = () => other.locator('#ticket-rows tr th').allTextContents();
      // The status filter is still "All" from the agent: RR (assigned to T-07) and the
      // closed PT (T-07's earlier job); not TC (T-08) nor CP (never assigned).
      await other.getByLabel('Status', { exact: true }).selectOption('open');
      expect(await until(numbers, (n) => n.length === 1 && n[0] === rr.number, "only the technician's open ticket")).toEqual([rr.number]);
      // The server scopes a technician's list: no technician filter to offer.
      expect(await other.getByLabel('Technician ID').isVisible()).toBe(false);
      expect(await other.locator('#ticket-rows td.faults').textContent()).toBe('RR-H01 No vibration or weak vibration of the drum');

      await other.getByRole('button', { name: rr.number, exact: true }).click();
      await until(
        () => other.locator('#d-status').innerText(),
        (t) => t === 'Assigned',
        'the RR details',
      );
      await until(
        () => other.locator('#d-facts').innerText(),
        (t) => t.includes('Version'),
        'the full RR ticket',
      );
      expect(await other.locator('#assign-form').isVisible()).toBe(false);
      // assigned → en route or cancelled (and reassigned) are legal; a technician may only set en route.
      expect(await other.locator('#status-buttons button').allTextContents()).toEqual(['En route']);
      expect(await other.locator('#d-facts').innerText()).toContain('RR-H01 No vibration or weak vibration of the drum');
      await screenshot(other, 'dispatch-technician');

      await other.getByLabel('Note for the history (optional)').fill('leaving the depot');
      await other.getByRole('button', { name: 'En route', exact: true }).click();
      await until(
        () => other.locator('#d-status').innerText(),
        (t) => t === 'En route',
        'status En route',
      );
      expect(await other.locator('#status-buttons button').allTextContents()).toEqual(['On site']);
      expect(await other.locator('#alert').isVisible()).toBe(false);
      const stored = await api('GET', `/api/tickets/${rr.id}`);
      expect(stored.body.status).toBe('en_route');
      expect(stored.body.history.at(-1)).toMatchObject({ action: 'status', to: 'en_route' });

      // All statuses: still only T-07's work (the closed PT, with nothing left to do on it).
      await other.getByLabel('Status', { exact: true }).selectOption('');
      expect((await until(numbers, (n) => n.length === 2, "T-07's tickets of any status")).sort()).toEqual(
        [tickets.PT.number, rr.number].sort(),
      );
      await other.getByRole('button', { name: tickets.PT.number, exact: true }).click();
      await until(
        () => other.locator('#d-status').innerText(),
        (t) => t === 'Closed',
        'the closed PT ticket',
      );
      expect(await other.locator('#status-buttons button').count()).toBe(0);
      expect(await other.locator('#note-field').isVisible()).toBe(false);
      await screenshot(other, 'dispatch-technician-closed');
      await other.close();
    },
    TIMEOUT,
  );

  it(
    'talks only to its own server and breaks no content-security rule',
    async () => {
      const origin = new URL(base).origin;
      const http = requested.filter((u) => !u.startsWith('data:'));
      expect(http.length).toBeGreaterThan(5);
      expect(http.filter((u) => new URL(u).origin !== origin)).toEqual([]);
      expect(http).toEqual(expect.arrayContaining([`${base}/dispatch`, `${base}/dispatch/app.js`, `${base}/dispatch/style.css`]));
      expect(consoleProblems).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'signs out and forgets the key',
    async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      expect(await page.locator('#sign-in').isVisible()).toBe(true);
      expect(await page.locator('#board').isVisible()).toBe(false);
      expect(await page.evaluate<string | null>("sessionStorage.getItem('dispatch.apiKey')")).toBeNull();
      expect(await page.locator('#ticket-rows tr').count()).toBe(0);
    },
    TIMEOUT,
  );
});
