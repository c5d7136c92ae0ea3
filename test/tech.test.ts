import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import type { TicketView } from '../src/api/responses.js';
import { axeViolations, overflowsX, phonePage, screenshot, until } from './support/browser.js';
import { serverAndBrowser } from './support/browser-suite.js';
import { api, KEYS, openTicket } from './support/server.js';

/**
 * A technician's field day on /tech in Chromium at 390×844: sign in with the key, the
 * jobs by deadline (the machine that is down first), open one, call and navigate links,
 * en route, on site, the fault's technician steps and photos, and a close-out with a
 * different fault, parts from the catalogue and a photo — which becomes a knowledge gap.
 * Then a close-out made without network: kept on the phone, sent once it is back, once.
 */

const TIMEOUT = 180_000;

/** The photos the page keeps in IndexedDB for close-outs not yet sent. */
const queuedPhotos = (page: Page) =>
  page.evaluate<{ ticketId: string; name: string; size: number }[]>(`new Promise((resolve, reject) => {
    const open = indexedDB.open('field');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction('closeout-photos').objectStore('closeout-photos').getAll();
      req.onsuccess = () => { resolve(req.result.map((p) => ({ ticketId: p.ticketId, name: p.name, size: p.blob.size }))); open.result.close(); };
      req.onerror = () => reject(req.error);
    };
  })`);

describe('/tech: a field day on a phone', () => {
  const env = serverAndBrowser(TIMEOUT);
  let context: BrowserContext;
  let page: Page;
  const tickets: Record<string, TicketView> = {};

  beforeAll(async () => {
    const open = async (name: string, overrides: Parameters<typeof openTicket>[1]) =>
      (tickets[name] = await openTicket(env.server.base, overrides, 'T-07'));
    // A running roller (basic tier, long clocks) and a pump truck that is down: the pump truck comes first.
    await open('RR', {
      machineDown: false,
      equipment: { productLine: 'RR', model: 'RR-12' },
      faults: [{ id: 'RR-E04' }],
      operatorWords: 'engine will not start',
    });
    await open('PT', { machineDown: true });
    // Another technician's job stays out of T-07's list.
    await openTicket(env.server.base, {}, 'T-08');
    // The operator's photo, on the ticket (as the chat would have put it).
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#c0392b' } })
      .jpeg()
      .toBuffer();
    await fetch(`${env.server.base}/api/tickets/${tickets.PT!.id}/media?name=boom.jpg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.dispatcher}`, 'content-type': 'image/jpeg' },
      body: photo,
    });

    ({ context, page } = await phonePage(env.browser));
    await page.goto(`${env.server.base}/tech`);
  }, TIMEOUT);

  it(
    'signs in, lists my jobs with the down machine first, and runs one to close-out with parts and a photo',
    async () => {
      expect(await axeViolations(page)).toEqual([]);
      await page.getByLabel('API key').fill(KEYS.tech7);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const cards = page.locator('.job-card');
      await until(
        () => cards.count(),
        (n) => n === 2,
        'my two jobs',
      );
      expect(await cards.nth(0).innerText()).toContain(tickets.PT!.number);
      expect(await cards.nth(0).innerText()).toContain('MACHINE DOWN');
      expect(await cards.nth(1).innerText()).toContain(tickets.RR!.number);
      expect(await overflowsX(page)).toBe(false);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'tech-jobs-390');

      await cards.nth(0).click();
      await page.getByRole('heading', { level: 2, name: new RegExp(tickets.PT!.number) }).waitFor();
      expect(await page.getByRole('link', { name: 'Call Wang Fang' }).getAttribute('href')).toBe('tel:+8613912345678');
      expect(await page.getByRole('link', { name: 'Navigate' }).getAttribute('href')).toBe(
        'geo:31.230000,121.500000?q=31.230000,121.500000',
      );
      // The entry's technician steps, safety notes and the photo (a thumbnail fetched with the key).
      await page.getByRole('heading', { name: 'Checks and fixes for the technician' }).waitFor();
      expect(await page.locator('.safety li').count()).toBeGreaterThan(0);
      const thumb = page.getByRole('img', { name: /boom\.jpg/ });
      await thumb.waitFor();
      expect(
        await until(
          () => thumb.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth),
          (w) => w > 0,
          'the thumbnail',
        ),
      ).toBe(320);

      await page.getByRole('button', { name: 'I am on my way' }).click();
      await until(
        () => page.locator('#job-title').innerText(),
        (t) => t.includes('En route'),
        'en route',
      );
      await page.getByRole('button', { name: 'I am on site' }).click();
      await until(
        () => page.locator('#job-title').innerText(),
        (t) => t.includes('On site'),
        'on site',
      );
      expect(await overflowsX(page)).toBe(false);
      await screenshot(page, 'tech-job-on-site-390');

      // The close-out: not the fault the bot matched (PT-H01) but PT-H03, its first cause, two parts, a photo.
      const form = page.locator('form.close-out');
      await form.waitFor();
      await page.getByLabel('Fault actually found').fill('PT-H03');
      const cause = page.getByLabel('Cause', { exact: true });
      await cause.waitFor();
      await cause.selectOption('c1');
      await page.getByLabel('Search the part catalogue').fill('PT-HY-0111');
      await page.getByRole('button', { name: 'Add part' }).click();
      await page.getByLabel('Quantity of PT-HY-0111').fill('2');
      await page.getByLabel('Work done').fill('Replaced the pumping main relief valve, pressure back to 32 MPa.');
      await page.getByLabel('Minutes on site').fill('95');
      const sitePhoto = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#2e86c1' } })
        .png()
        .toBuffer();
      await page.getByLabel('Add photos').setInputFiles({ name: 'valve.png', mimeType: 'image/png', buffer: sitePhoto });
      // The draft is on the phone before anything is sent.
      expect(await page.evaluate<string | null>(`localStorage.getItem('tech.closeOut.${tickets.PT!.id}')`)).toContain('PT-HY-0111');
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'tech-close-out-390');
      await page.getByRole('button', { name: 'Submit close-out' }).click();
      await until(
        () => page.locator('.job-card').count(),
        (n) => n === 1,
        'the job leaves my list',
      );

      const done = (await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${tickets.PT!.id}`)).json()) as TicketView;
      expect(done.status).toBe('resolved');
      expect(done.closeOut).toMatchObject({
        actualFaultId: 'PT-H03',
        causeId: 'c1',
        partsUsed: [{ code: 'PT-HY-0111', quantity: 2 }],
        minutesOnSite: 95,
        technicianId: 'T-07',
      });
      expect(done.media!.map((m) => [m.name, m.by])).toEqual([
        ['boom.jpg', 'staff'],
        ['valve.png', 'technician'],
      ]);
      expect(await page.evaluate<string | null>(`localStorage.getItem('tech.closeOut.${tickets.PT!.id}')`)).toBeNull();
      // A different fault than the match: the manual learns from it.
      const gaps = await env.server.app.services().gaps!.list('open');
      expect(gaps.find((g) => g.ticketId === tickets.PT!.id)).toMatchObject({
        source: 'close-out-mismatch',
        matchedFaultId: 'PT-H01',
        actualFaultId: 'PT-H03',
      });
    },
    TIMEOUT,
  );

  it(
    'keeps a close-out made without network on the phone and sends it, once, when the network is back',
    async () => {
      const rr = tickets.RR!;
      await page.locator('.job-card').first().click();
      await page.getByRole('button', { name: 'I am on my way' }).click();
      await until(
        () => page.locator('#job-title').innerText(),
        (t) => t.includes('En route'),
        'en route',
      );
      await page.getByRole('button', { name: 'I am on site' }).click();
      await until(
        () => page.locator('#job-title').innerText(),
        (t) => t.includes('On site'),
        'on site',
      );
      await page.getByLabel('Not in the manual').check();
      await page.getByLabel('Root-cause class').selectOption('operator-error');
      await page.getByLabel('Work done').fill('Fuel tank was empty; refilled and bled the fuel line.');
      await page.getByLabel('Minutes on site').fill('30');
      await context.setOffline(true);
      // A photo taken without network: kept in the phone's IndexedDB, not only in the page.
      const gauge = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#2980b9' } })
        .jpeg()
        .toBuffer();
      await page.getByLabel('Add photos').setInputFiles({ name: 'fuel-gauge.jpg', mimeType: 'image/jpeg', buffer: gauge });
      await until(
        () => page.locator('#co-photos-pending').textContent(),
        (t) => /1 photo waiting to upload: fuel-gauge\.jpg/.test(t ?? ''),
        'the photo kept',
      );
      await page.getByRole('button', { name: 'Submit close-out' }).click();
      await page.getByText(/No connection: the close-out is kept on this phone/).waitFor();
      const kept = JSON.parse((await page.evaluate<string | null>(`localStorage.getItem('tech.closeOut.${rr.id}')`))!) as {
        submitted: boolean;
      };
      expect(kept.submitted).toBe(true);
      expect(await queuedPhotos(page)).toEqual([{ ticketId: rr.id, name: 'fuel-gauge.jpg', size: gauge.length }]);
      expect(((await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${rr.id}`)).json()) as TicketView).status).toBe(
        'on_site',
      );
      await screenshot(page, 'tech-close-out-queued-390');

      // The page is gone (a reload without network fails): nothing of it survives but what the phone stored.
      await page.reload().catch(() => undefined);
      await context.setOffline(false);
      await page.reload();
      const resolved = await until(
        async () => (await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${rr.id}`)).json()) as TicketView,
        (t) => t.status === 'resolved',
        'the queued close-out to arrive',
        30_000,
      );
      expect(resolved.closeOut).toMatchObject({ actualFaultId: null, rootCauseClass: 'operator-error', minutesOnSite: 30 });
      expect(resolved.history.filter((h) => h.action === 'closed-out')).toHaveLength(1);
      // The offline photo went with it, once.
      expect(resolved.media!.map((m) => [m.name, m.by, m.size])).toEqual([['fuel-gauge.jpg', 'technician', gauge.length]]);
      await until(
        () => page.evaluate<string | null>(`localStorage.getItem('tech.closeOut.${rr.id}')`),
        (v) => v === null,
        'the draft cleared',
      );
      expect(await queuedPhotos(page)).toEqual([]);
      const gaps = await env.server.app.services().gaps!.list('open');
      expect(gaps.find((g) => g.ticketId === rr.id)).toMatchObject({ source: 'close-out-not-in-manual' });
    },
    TIMEOUT,
  );

  it(
    'is one app with /inspect: the same navigation and one sign-in for both',
    async () => {
      const nav = page.getByRole('navigation', { name: 'Technician' });
      await nav.getByRole('link', { name: /My jobs/ }).waitFor();
      expect(await nav.getByRole('link', { name: /My jobs/ }).getAttribute('aria-current')).toBe('page');
      await nav.getByRole('link', { name: /My inspections/ }).tap();
      await page.waitForURL(/\/inspect$/);
      // Signed in already: the inspections, not the key form.
      await page.getByRole('heading', { name: 'Inspection work orders' }).waitFor();
      expect(await page.locator('#sign-in').isHidden()).toBe(true);
      expect(await page.locator('#whoami').textContent()).toContain('T-07');
      expect(
        await page
          .getByRole('navigation', { name: 'Technician' })
          .getByRole('link', { name: /My inspections/ })
          .getAttribute('aria-current'),
      ).toBe('page');
      expect(await overflowsX(page)).toBe(false);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'inspect-in-the-tech-app-390');

      await page
        .getByRole('navigation', { name: 'Technician' })
        .getByRole('link', { name: /My jobs/ })
        .tap();
      await page.waitForURL(/\/tech$/);
      await page.getByRole('heading', { name: 'My jobs', level: 2 }).waitFor();
      expect(await page.locator('#sign-in').isHidden()).toBe(true);
      // Signing out on one screen signs out of the app.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.goto(`${env.server.base}/inspect`);
      await page.getByLabel('API key').waitFor();
      expect(await page.locator('#sign-in').isVisible()).toBe(true);
    },
    TIMEOUT,
  );
});
