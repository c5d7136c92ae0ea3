import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { loadKnowledge } from '../src/knowledge/load.js';
import { loadMaintenance } from '../src/maintenance/knowledge.js';
import { seedDemo } from '../src/seed/demo.js';
import { launchBrowser, screenshot, until } from './support/browser.js';
import { KNOWLEDGE_DIR } from './support/paths.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** /reports in Chromium at 1366×768 over seeded history: seven plots, each downloadable as the CSV of what it draws. */
describe('the reports page', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    s = await startTestServer();
    const kb = loadKnowledge(KNOWLEDGE_DIR);
    await seedDemo(s.app.services().db!, kb, loadMaintenance(KNOWLEDGE_DIR, kb), { machines: 60, seed: 11, now: new Date(), days: 240 });
    s.app.services().maintenance!.invalidate();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(s.base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  async function signIn(key: string) {
    await page.goto(`${s.base}/reports`);
    await page.fill('#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
  }

  it('refuses a key without access to reports, and says why', async () => {
    await signIn(KEYS.agent);
    await until(
      () => page.textContent('#alert-text'),
      (t) => /dispatcher or admin/.test(t ?? ''),
      'the role message',
    );
    expect(await page.isHidden('#reports')).toBe(true);
  });

  it('draws seven plots with Chart.js, fits 1366×768, passes axe, and makes no outside request', async () => {
    await signIn(KEYS.dispatcher);
    await until(
      () => page.getAttribute('body', 'data-ready'),
      (v) => v === 'true',
      'the reports',
    );
    const figures = await page.$$eval('figure.report', (els) => els.map((e) => ({ id: e.id, canvas: Boolean(e.querySelector('canvas')) })));
    expect(figures.map((f) => f.id)).toEqual([
      'report-sla',
      'report-workload',
      'report-self-service',
      'report-knowledge-gaps',
      'report-first-fault',
      'report-inspections',
      'report-pickup',
    ]);
    expect(figures.every((f) => f.canvas)).toBe(true);
    const drawn = await page.evaluate<number[]>(
      `[...document.querySelectorAll('canvas')].map((c) => Chart.getChart(c).data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null).length, 0))`,
    );
    expect(drawn.every((n) => n > 0)).toBe(true);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(1366);
    await screenshot(page, 'reports-1366x768');

    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate<{ violations: { id: string; nodes: string[] }[]; passes: number }>(
      `axe.run(document).then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) })) }))`,
    );
    expect(result.passes).toBeGreaterThan(15);
    expect(result.violations).toEqual([]);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('downloads each plot as the CSV of what it draws', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-sla button.download')]);
    expect(download.suggestedFilename()).toMatch(/^sla-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '');
    const [header, ...rows] = text.trim().split('\r\n');
    expect(header).toBe('line,respond,on_site,fixed,follow_up');
    const from = new Date(Date.UTC(new Date().getUTCFullYear() - 1, new Date().getUTCMonth() + 1, 1)).toISOString();
    const sla = (await (await api(s.base, KEYS.dispatcher, 'GET', `/api/reports/sla?from=${from}`)).json()) as {
      productLines: { clocks: Record<string, { compliance: number | null }> }[];
    };
    expect(rows).toHaveLength(sla.productLines.length);
    const firstRespond = sla.productLines[0]!.clocks.respond!.compliance;
    expect(rows[0]!.split(',')[1]).toBe(firstRespond === null ? '' : String(Math.round(firstRespond * 1000) / 10));

    for (const id of ['workload', 'self-service', 'knowledge-gaps', 'first-fault', 'inspections', 'pickup']) {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(`#report-${id} button.download`)]);
      const lines = readFileSync((await d.path())!, 'utf8')
        .trim()
        .split('\r\n');
      expect(lines.length).toBeGreaterThan(1);
    }
  });

  it('switches to Chinese, charts included', async () => {
    await page.click('#lang-toggle');
    expect(await page.textContent('#report-inspections h3')).toBe('例行检查完成率');
    const legend = await page.evaluate<string[]>(
      `Chart.getChart(document.querySelector('#report-inspections canvas')).data.datasets.map((d) => d.label)`,
    );
    expect(legend).toEqual(['按时', '延迟', '漏检']);
    await screenshot(page, 'reports-zh');
    await page.click('#lang-toggle');
  });
});

/** A technician works an inspection on a phone (390×844): on site, the checklist, a failed item, the customer form. */
describe('the inspection page', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    s = await startTestServer();
    const accepted = new Date(Date.now() - 26 * 86_400_000).toISOString().slice(0, 10);
    const file = `serial,model,product_line,customer,site,accepted_on,warranty_months,plan,technician\nTC-PHONE-0001,TC6013,TC,Northern Crane Services,Metro Line 6 depot,${accepted},12,standard,\n`;
    await fetch(`${s.base}/api/equipment/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.dispatcher}`, 'content-type': 'text/csv' },
      body: file,
    });
    const [visit] = (
      (await (await api(s.base, KEYS.dispatcher, 'GET', '/api/inspections?productLine=TC')).json()) as { inspections: { dueOn: string }[] }
    ).inspections;
    const order = (await (
      await api(s.base, KEYS.dispatcher, 'POST', '/api/inspections/work-orders', { serial: 'TC-PHONE-0001', dueOn: visit!.dueOn })
    ).json()) as { id: string };
    await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${order.id}/assign`, { technicianId: 'T-07' });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true })).newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('lists the job, goes on site, records a failed item and opens its fault ticket', async () => {
    await page.goto(`${s.base}/inspect`);
    await page.fill('#api-key', KEYS.tech7);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('button.job');
    await page.click('button.job');
    await page.click('#go-en-route');
    await page.click('#go-on-site');
    await page.waitForSelector('#result-form');
    const items = await page.$$eval('[data-item]', (els) => els.map((e) => e.getAttribute('data-item')!));
    expect(items).toContain('TC-I02');
    for (const id of items) await page.check(`[data-item="${id}"] input[value="${id === 'TC-I02' ? 'fail' : 'pass'}"]`);
    await page.fill('#c-minutes', '150');
    await page.check('input[name=peak][value="4"]');
    await page.click('#submit');
    await until(
      () => page.textContent('#alert-text'),
      (t) => /TC-I02/.test(t ?? ''),
      'the missing-note message',
    );
    await page.fill('#note-TC-I02', '3 broken wires in one lay length near the drum');
    await page.click('#submit');
    await page.waitForSelector('#done');
    expect(await page.textContent('#done-list')).toMatch(/TC-I02: fault ticket FT-\d{4}-\d{6} opened/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'inspect-390x844');
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate<{ id: string }[]>(
      `axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
    );
    expect(violations).toEqual([]);
    const machine = (await (await api(s.base, KEYS.agent, 'GET', '/api/equipment/TC-PHONE-0001')).json()) as {
      tickets: { kind: string }[];
    };
    expect(machine.tickets.map((t) => t.kind).sort()).toEqual(['fault', 'maintenance']);
  }, 120_000);
});

/** The call-center panel looks a machine up by serial while the agent types it in the ticket form. */
describe('the panel and the installed base', () => {
  let s: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    s = await startTestServer();
    const file =
      'serial,model,product_line,customer,site,accepted_on,warranty_months\nPV-LTU-0042,LTU120,PV,Silk Road Paving,"Eastern bypass, Xi\'an",2026-04-01,24\n';
    await fetch(`${s.base}/api/equipment/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.dispatcher}`, 'content-type': 'text/csv' },
      body: file,
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('fills the empty fields from a known serial and says what it found', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await page.goto(`${s.base}/panel`);
    await page.fill('#api-key', KEYS.agent);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#create-ticket:not([disabled])');
    await page.click('#create-ticket');
    await page.fill('#t-serial', 'pv-ltu-0042');
    await until(
      () => page.inputValue('#t-customer'),
      (v) => v === 'Silk Road Paving',
      'the customer from the installed base',
    );
    expect(await page.inputValue('#t-site')).toBe("Eastern bypass, Xi'an");
    expect(await page.inputValue('#t-model')).toBe('LTU120');
    expect(await page.textContent('#t-serial-help')).toMatch(/Known machine: LTU120 of Silk Road Paving, in warranty until 2028-03-31/);
  }, 60_000);
});
