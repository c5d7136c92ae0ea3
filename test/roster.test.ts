import type { AssignmentSuggestions, TechnicianList, TicketList, TicketView } from '../src/api/responses.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { distanceKm } from '../src/roster/suggest.js';
import { searchTerm } from '../src/tickets/store.js';
import { KNOWLEDGE_DIR } from './support/paths.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchBrowser, screenshot, until } from './support/browser.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

const HOUR = 3_600_000;
const kb = loadKnowledge(KNOWLEDGE_DIR);

/** Hours from opening to each deadline. */
const hours = (t: TicketView) => t.sla.clocks.map((c) => (Date.parse(c.dueAt) - Date.parse(t.createdAt)) / HOUR);

describe.each([['SQLite', 'sqlite'] as const, ['PostgreSQL', 'postgres'] as const])('roster, priority and search on %s', (_name, store) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ store });
  }, 60_000);
  afterAll(() => s.stop());

  const as = (key: string) => (method: string, path: string, body?: unknown) => api(s.base, key, method, path, body);
  const admin = as(KEYS.admin);
  const dispatcher = as(KEYS.dispatcher);
  const open = async (overrides: Parameters<typeof ticketRequest>[0] = {}) =>
    (await (await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest(overrides))).json()) as TicketView;

  it('keeps the roster: add, validate, refuse a duplicate, edit, deactivate', async () => {
    const wu = {
      id: 'T-20',
      name: 'Wu Gang',
      phone: '138 0013 8020',
      skills: ['RR', 'PV'],
      region: 'Jiading',
      base: { lat: 31.38, lon: 121.25 },
    };
    const added = await admin('POST', '/api/technicians', wu);
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ id: 'T-20', phone: '+8613800138020', active: true, version: 1 });

    const dup = await admin('POST', '/api/technicians', wu);
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ code: 'technician_exists', error: expect.stringContaining('T-20') });

    const bad = await admin('POST', '/api/technicians', { ...wu, id: 'T 21', phone: '555', skills: ['XX'] });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { issues: { field: string }[] }).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['id', 'phone', 'skills.0']));
    expect((await admin('POST', '/api/technicians', { ...wu, id: 'T-22', skills: [] })).status).toBe(400);

    expect((await dispatcher('POST', '/api/technicians', { ...wu, id: 'T-23' })).status).toBe(403);

    const patched = await admin('PATCH', '/api/technicians/T-20', { region: 'Jiading district', expectedVersion: 1 });
    expect(await patched.json()).toMatchObject({ region: 'Jiading district', version: 2, name: 'Wu Gang' });
    expect((await admin('PATCH', '/api/technicians/T-20', { region: 'x', expectedVersion: 1 })).status).toBe(409);
    const { id: _id, ...rest } = wu;
    const replaced = await admin('PUT', '/api/technicians/T-20', { ...rest, skills: ['RR'], active: false });
    expect(await replaced.json()).toMatchObject({ skills: ['RR'], active: false, version: 3 });
    expect((await admin('PUT', '/api/technicians/T-20', { ...wu, id: 'T-99' })).status).toBe(400);
    expect((await admin('PATCH', '/api/technicians/T-404', { active: true })).status).toBe(404);

    const list = (await (await dispatcher('GET', '/api/technicians?active=false')).json()) as TechnicianList;
    expect(list.technicians.map((t) => t.id)).toEqual(['T-20']);
  });

  it('assigns only to active roster technicians, naming the problem', async () => {
    const t = await open();
    const unknown = await dispatcher('POST', `/api/tickets/${t.id}/assign`, { technicianId: 'Wang Wei' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      code: 'invalid_request',
      issues: [{ field: 'technicianId', message: expect.stringMatching(/no technician "Wang Wei" on the roster/) }],
    });
    await admin('POST', '/api/technicians', {
      id: 'T-30',
      name: 'Sun Li',
      phone: '+8613800138030',
      skills: ['PT'],
      region: 'Pudong',
      active: false,
    });
    const inactive = await dispatcher('POST', `/api/tickets/${t.id}/assign`, { technicianId: 'T-30' });
    expect(inactive.status).toBe(409);
    expect(await inactive.json()).toMatchObject({ code: 'technician_inactive', error: expect.stringContaining('T-30') });
    // Nothing happened to the ticket: still new, the respond clock not met.
    const after = (await (await dispatcher('GET', `/api/tickets/${t.id}`)).json()) as TicketView;
    expect(after).toMatchObject({ status: 'new', version: 1 });
    expect(after.sla.clocks[0]!.metAt).toBeUndefined();
    expect((await dispatcher('POST', `/api/tickets/${t.id}/assign`, { technicianId: 'T-07' })).status).toBe(200);
  });

  it('refuses a technician key whose roster entry is inactive', async () => {
    expect((await api(s.base, KEYS.tech8, 'GET', '/api/tickets')).status).toBe(200);
    await admin('PATCH', '/api/technicians/T-08', { active: false });
    const refused = await api(s.base, KEYS.tech8, 'GET', '/api/tickets');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: expect.stringMatching(/T-08 is not on the active roster/) });
    await admin('PATCH', '/api/technicians/T-08', { active: true });
    expect((await api(s.base, KEYS.tech8, 'GET', '/api/tickets')).status).toBe(200);
  });

  it('suggests technicians by skill, distance and open workload', async () => {
    // A tower crane near T-08's base in Minhang: both are trained for TC, T-08 is closer.
    const crane = await open({
      equipment: { productLine: 'TC', model: 'TC-6013' },
      faults: [{ id: 'TC-E01' }],
      customer: { name: 'Minhang Build', site: { address: 'Zhongjian site north gate, Minhang', lat: 31.12, lon: 121.39 } },
    });
    const ranked = async () =>
      ((await (await dispatcher('GET', `/api/tickets/${crane.id}/technician-suggestions`)).json()) as AssignmentSuggestions).suggestions;
    const first = await ranked();
    expect(first[0]).toMatchObject({ technicianId: 'T-08', skilled: true, inRegion: true });
    expect(first[0]!.distanceKm!).toBeLessThan(3);
    const t07 = first.find((x) => x.technicianId === 'T-07')!;
    expect(t07.skilled).toBe(true);
    expect(t07.distanceKm!).toBeGreaterThan(15);
    // Untrained technicians come last; inactive ones not at all.
    expect(first.filter((x) => !x.skilled).every((x) => first.indexOf(x) > first.indexOf(t07))).toBe(true);
    expect(first.map((x) => x.technicianId)).not.toContain('T-30');

    // Give T-08 two open jobs: 60 km of workload outweighs ~19 km of travel.
    for (let i = 0; i < 2; i++) {
      const job = await open({ equipment: { productLine: 'TC' }, faults: [{ id: 'TC-E01' }] });
      expect((await dispatcher('POST', `/api/tickets/${job.id}/assign`, { technicianId: 'T-08' })).status).toBe(200);
    }
    const second = await ranked();
    expect(second.find((x) => x.technicianId === 'T-08')!.openJobs).toBeGreaterThanOrEqual(2);
    expect(second[0]!.technicianId).toBe('T-07');
    expect((await api(s.base, KEYS.agent, 'GET', `/api/tickets/${crane.id}/technician-suggestions`)).status).toBe(403);
  });

  it('gives a machine that is down the shorter clocks of its tier, and moves them when the state changes', async () => {
    const down = await open({ machineDown: true });
    const running = await open({ machineDown: false });
    const premium = kb.policy.service_tiers.find((x) => x.id === 'premium')!;
    const d = premium.machine_down_sla!;
    expect(hours(down)).toEqual([d.respond_with_plan_h, d.technician_on_site_h, d.fault_fixed_h, d.follow_up_h]);
    expect(down.sla.basis).toBe('machine-down');
    expect(hours(running)).toEqual([
      premium.sla.respond_with_plan_h,
      premium.sla.technician_on_site_h,
      premium.sla.fault_fixed_h,
      premium.sla.follow_up_h,
    ]);
    expect(running.sla.basis).toBe('running');
    expect(hours(down)[1]!).toBeLessThan(hours(running)[1]!);

    // It stopped after the call: the open clocks move, the history says so.
    const stopped = await dispatcher('POST', `/api/tickets/${running.id}/machine-down`, {
      machineDown: true,
      note: 'operator called back: it stopped',
      expectedVersion: 1,
    });
    expect(stopped.status).toBe(200);
    const now = (await stopped.json()) as TicketView;
    expect(now).toMatchObject({ machineDown: true, sla: { basis: 'machine-down' } });
    expect(hours(now)).toEqual(hours(down));
    expect(now.history.at(-1)).toMatchObject({ action: 'machine-down', machineDown: true });
    expect((await api(s.base, KEYS.agent, 'POST', `/api/tickets/${running.id}/machine-down`, { machineDown: false })).status).toBe(403);
  });

  it('sorts down machines first and searches by number, phone, customer, site and serial', async () => {
    const a = await open({
      machineDown: false,
      customer: { name: 'Qingpu Roads Ltd', site: { address: 'Yinggang Road works, Qingpu' } },
      contact: { name: 'Chen Jie', phone: '+86 139 0000 1111' },
      equipment: { productLine: 'RR', serial: 'RR-SN-77123' },
      faults: [],
    });
    const b = await open({ machineDown: true, equipment: { productLine: 'RR', serial: 'RR-SN-88001' }, faults: [] });
    const list = async (query: string) =>
      ((await (await dispatcher('GET', `/api/tickets?${query}`)).json()) as TicketList).tickets.map((t) => t.id);

    const prioritised = await list('productLine=RR&sort=priority');
    expect(prioritised.indexOf(b.id)).toBeLessThan(prioritised.indexOf(a.id));
    expect(await list('productLine=RR&down=true')).toEqual([b.id]);

    for (const q of [a.number, a.number.slice(-6), '139 0000 1111', '13900001111', 'qingpu roads', 'YINGGANG', 'chen jie', '77123']) {
      expect({ q, found: await list(`q=${encodeURIComponent(q)}`) }).toEqual({ q, found: [a.id] });
    }
    expect(await list('q=nothing-like-this')).toEqual([]);
    expect(await list(`q=${encodeURIComponent('100%_')}`)).toEqual([]);
    // A technician searching sees only their own work.
    expect(
      (await (await api(s.base, KEYS.tech7, 'GET', `/api/tickets?q=${encodeURIComponent(a.number)}`)).json()) as TicketList,
    ).toMatchObject({ tickets: [] });
  });
});

describe('roster helpers', () => {
  it('measures great-circle distance', () => {
    // People's Square to Pudong airport is about 30 km.
    expect(distanceKm({ lat: 31.2304, lon: 121.4737 }, { lat: 31.1443, lon: 121.8083 })).toBeCloseTo(33.4, 0);
  });
  it('reads a typed phone number as its digits and leaves words alone', () => {
    expect(searchTerm(' +86 (139) 1234-5678 ')).toBe('8613912345678');
    expect(searchTerm('North Gate')).toBe('north gate');
    expect(searchTerm('FT-2026-000042')).toBe('ft-2026-000042');
  });
});

describe('the roster page in Chromium', () => {
  it('lets an admin add a technician and take them off the roster, and passes axe-core', async () => {
    const s = await startTestServer();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      await page.goto(`${s.base}/roster`);
      await page.getByLabel('API key').fill(KEYS.admin);
      await page.getByLabel('API key').press('Enter');
      await until(
        () => page.locator('#roster tbody tr').count(),
        (n) => n === 2,
        'T-07 and T-08',
      );
      await page.getByLabel('ID (as in the API key, e.g. T-07)').fill('T-40');
      await page.getByLabel('Name', { exact: true }).fill('Gao Feng');
      await page.getByLabel('Phone').fill('138 0013 8040');
      await page.getByLabel('RR · road roller').check();
      await page.getByLabel('Region (as site addresses name it)').fill('Songjiang');
      await page.getByRole('button', { name: 'Save' }).click();
      await until(
        () => page.locator('#roster tbody tr').count(),
        (n) => n === 3,
        'the new technician',
      );
      expect(await api(s.base, KEYS.dispatcher, 'GET', '/api/technicians/T-40').then((r) => r.json())).toMatchObject({
        name: 'Gao Feng',
        phone: '+8613800138040',
        skills: ['RR'],
        active: true,
      });
      await page.getByRole('button', { name: 'Deactivate T-40' }).click();
      await page.getByRole('button', { name: 'Activate T-40' }).waitFor();
      expect(await api(s.base, KEYS.dispatcher, 'GET', '/api/technicians/T-40').then((r) => r.json())).toMatchObject({ active: false });
      const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
      await page.evaluate(axe);
      const violations = await page.evaluate<string[]>(`axe.run(document).then((r) => r.violations.map((v) => v.impact + ' ' + v.id))`);
      expect(violations).toEqual([]);
      await screenshot(page, 'roster-page');
    } finally {
      await browser.close();
      await s.stop();
    }
  }, 120_000);
});
