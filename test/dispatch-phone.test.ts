import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { TicketView } from '../src/api/responses.js';
import { axeViolations, overflowsX, phonePage, screenshot, until } from './support/browser.js';
import { serverAndBrowser } from './support/browser-suite.js';
import { api, KEYS, openTicket } from './support/server.js';

/**
 * The dispatch board on a phone (390×844 in Chromium): every ticket's number, status,
 * technician and deadline and the sign-out button are on the screen without sideways
 * scrolling; a tap opens the ticket, a suggested technician is assigned from the phone;
 * the technician on the job gets a way to close it out; axe-core finds nothing.
 */

const TIMEOUT = 180_000;
const PHONE = 390;

/** The element is drawn, and drawn inside the phone's width. */
async function onScreen(l: Locator): Promise<boolean> {
  const box = await l.boundingBox();
  return box !== null && box.width > 0 && box.x >= 0 && box.x + box.width <= PHONE + 1;
}

describe('/dispatch on a phone', () => {
  const env = serverAndBrowser(TIMEOUT);
  let context: BrowserContext;
  let page: Page;
  const tickets: Record<string, TicketView> = {};

  beforeAll(async () => {
    const open = async (name: string, overrides: Parameters<typeof openTicket>[1]) =>
      (tickets[name] = await openTicket(env.server.base, overrides));
    await open('running', {
      machineDown: false,
      equipment: { productLine: 'RR', model: 'RR-12 long model name' },
      faults: [{ id: 'RR-E04' }],
      operatorWords: 'engine will not start',
    });
    await open('down', {
      machineDown: true,
      customer: { name: 'Zhongjian Bureau 8 Co. Ltd', site: { address: 'North gate of the Zhongjian site, Pudong' } },
    });
    ({ context, page } = await phonePage(env.browser, PHONE));
  }, TIMEOUT);

  it(
    'shows every ticket with its status, technician and deadline on the screen, and assigns from the phone',
    async () => {
      await page.goto(`${env.server.base}/dispatch`);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByLabel('API key').fill(KEYS.dispatcher);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const rows = page.locator('#ticket-rows tr');
      await until(
        () => rows.count(),
        (n) => n === 2,
        'two tickets',
      );
      await screenshot(page, 'dispatch-phone-list');

      expect(await overflowsX(page, PHONE)).toBe(false);
      expect(await onScreen(page.locator('#sign-out'))).toBe(true);
      // The machine that is down comes first and is marked.
      await expect(rows.first().locator('.ticket-link').textContent()).resolves.toBe(tickets.down!.number);
      expect(await onScreen(rows.first().locator('.down-badge'))).toBe(true);
      for (let i = 0; i < 2; i++) {
        const row = rows.nth(i);
        for (const cell of ['.ticket-link', '.status-badge', '.cell-tech', '.next-sla .countdown']) {
          expect([cell, await onScreen(row.locator(cell).first())]).toEqual([cell, true]);
        }
      }
      // The search and the filters are reachable too.
      expect(await onScreen(page.getByLabel('Search', { exact: true }))).toBe(true);
      expect(await onScreen(page.getByLabel('Machine down only'))).toBe(true);
      expect(await axeViolations(page)).toEqual([]);

      // A tap opens the ticket: its details come into view, nothing sticks out.
      await rows.first().locator('.ticket-link').tap();
      await until(
        () => page.locator('#d-number').textContent(),
        (s) => s === tickets.down!.number,
        'the details',
      );
      await until(
        async () => (await page.locator('#details-title').boundingBox())?.y ?? -1,
        (top) => top >= 0 && top < 150,
        'the details scrolled to the top of the screen',
      );
      await until(
        () => page.locator('.tech-suggestions button').count(),
        (n) => n > 0,
        'suggested technicians',
      );
      expect(await overflowsX(page, PHONE)).toBe(false);
      await screenshot(page, 'dispatch-phone-details');
      expect(await axeViolations(page)).toEqual([]);

      // The best suggestion fills the field; Assign sends it.
      await page.locator('.tech-suggestions button').first().tap();
      const picked = await page.locator('#assign-tech').inputValue();
      expect(picked).toMatch(/^T-0[78]$/);
      await page.locator('#assign-button').tap();
      await until(
        () => page.locator('#d-status').textContent(),
        (s) => s === 'Assigned',
        'assigned',
      );
      const stored = (await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${tickets.down!.id}`)).json()) as TicketView;
      expect([stored.status, stored.technicianId]).toEqual(['assigned', picked]);
      await until(
        () => rows.first().locator('.cell-tech').textContent(),
        (s) => s === picked,
        'the technician in the list',
      );
      expect(await onScreen(page.locator('#sign-out'))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'gives the technician on the job a way to close it out from the board',
    async () => {
      const id = tickets.down!.id;
      const assignee = ((await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${id}`)).json()) as TicketView)
        .technicianId;
      const key = assignee === 'T-07' ? KEYS.tech7 : KEYS.tech8;
      await api(env.server.base, key, 'POST', `/api/tickets/${id}/status`, { status: 'en_route' });
      await api(env.server.base, key, 'POST', `/api/tickets/${id}/status`, { status: 'on_site' });
      const tech = await context.newPage();
      await tech.goto(`${env.server.base}/dispatch`);
      await tech.getByLabel('API key').fill(key);
      await tech.getByRole('button', { name: 'Sign in' }).click();
      await until(
        () => tech.locator('#ticket-rows tr').count(),
        (n) => n === 1,
        'the technician sees their job',
      );
      await tech.locator('#ticket-rows .ticket-link').first().tap();
      const closeOut = tech.getByRole('link', { name: 'Close out on My jobs' });
      await until(
        () => closeOut.count(),
        (n) => n === 1,
        'the close-out link',
      );
      expect(await closeOut.getAttribute('href')).toBe(`/tech?job=${encodeURIComponent(id)}`);
      expect(await overflowsX(tech, PHONE)).toBe(false);
      expect(await axeViolations(tech)).toEqual([]);
      await closeOut.tap();
      // The technician app opens on that job with its close-out form once the technician has signed in there.
      await tech.waitForURL(/\/tech\?job=/);
      await tech.getByLabel('API key').fill(key);
      await tech.getByRole('button', { name: 'Sign in' }).click();
      await until(
        () => tech.locator('form.close-out').count(),
        (n) => n === 1,
        'the close-out form on /tech',
      );
      expect(await tech.locator('#job-title').textContent()).toContain(tickets.down!.number);
      await tech.close();
    },
    TIMEOUT,
  );
});
