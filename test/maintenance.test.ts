import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZodTypeAny } from 'zod';
import * as contract from '../src/api/responses.js';
import { addDays, today } from '../src/equipment/model.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { inspectMaintenance, loadMaintenance } from '../src/maintenance/knowledge.js';
import { lineEvidence, machineVisits, peakSeason, proposeSchedule } from '../src/maintenance/schedule.js';
import { seedDemo } from '../src/seed/demo.js';
import { KNOWLEDGE_DIR } from './support/paths.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

const kb = loadKnowledge(KNOWLEDGE_DIR);
const maintenance = loadMaintenance(KNOWLEDGE_DIR, kb);
const settings = maintenance.settings.schedule;
const PT_NAME = { en: 'concrete pump truck', zh: '泵车' };

/** The answer parses and parsing drops nothing (the contract the OpenAPI document describes). */
async function answer<T>(schema: ZodTypeAny, res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as unknown;
  expect({ status: res.status, body }).toMatchObject({ status });
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues.slice(0, 5)));
  expect(parsed.data).toEqual(body);
  return body as T;
}

describe('maintenance plans as knowledge', () => {
  it('validates the shipped plans and checklists, both languages', () => {
    expect(inspectMaintenance(KNOWLEDGE_DIR, kb).problems).toEqual([]);
    expect(maintenance.checklists.size).toBe(7);
    for (const c of maintenance.checklists.values()) for (const i of c.items) expect(i.how.zh.length).toBeGreaterThan(5);
  });

  it('names every problem in a broken copy by file, entry and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-'));
    try {
      cpSync(KNOWLEDGE_DIR, dir, { recursive: true });
      const pt = join(dir, 'maintenance', 'checklists', 'PT.yaml');
      writeFileSync(
        pt,
        readFileSync(pt, 'utf8')
          .replace('parts: [PT-ME-0307, PT-HY-0151]', 'parts: [PT-ME-0307, RR-HY-0140, PT-XX-9999]')
          .replace('faults: [PT-H08]', 'faults: [TC-E01]'),
      );
      rmSync(join(dir, 'maintenance', 'checklists', 'HD.yaml'));
      const plans = join(dir, 'maintenance', 'plans.yaml');
      writeFileSync(plans, readFileSync(plans, 'utf8').replace('  - tier: standard', '  - tier: basic'));
      const problems = inspectMaintenance(dir, loadKnowledge(dir)).problems.map(
        (p) => `${p.file} ${p.entry ?? ''} ${p.field ?? ''}: ${p.message}`,
      );
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/PT\.yaml PT-I01 items\[0\]\.parts\[1\]: RR-HY-0140 is not a part of PT/),
          expect.stringMatching(/PT\.yaml PT-I01 items\[0\]\.parts\[2\]: unknown part code PT-XX-9999/),
          expect.stringMatching(/PT\.yaml PT-I01 items\[0\]\.faults\[0\]: TC-E01 is not a fault of PT/),
          expect.stringMatching(/HD\.yaml\s+: no inspection checklist/),
          expect.stringMatching(/plans\.yaml basic plans\[1\]\.tier: tier basic does not include the maintenance service/),
          expect.stringMatching(/plans\.yaml standard\s+: tier standard includes maintenance but has no plan/),
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the schedule from history', () => {
  const day = '2026-11-30';
  /** 120 machines accepted 13 months ago; `failMonth` picks each one's first-fault month (or none). */
  function history(failMonth: (i: number) => number | undefined) {
    const acceptedOn = addDays(day, -400);
    return Array.from({ length: 120 }, (_, i) => {
      const m = failMonth(i);
      return { serial: `S${i}`, acceptedOn, firstFaultOn: m === undefined ? undefined : addDays(acceptedOn, (m - 1) * 30 + 10) };
    });
  }

  it('inspects ahead of the month in which first faults peak, and says why', () => {
    // A third of the machines fail first in month 4, a few spread elsewhere, the rest never.
    const machines = history((i) => (i % 3 === 0 ? 4 : i % 10 === 1 ? 1 + (i % 12) : undefined));
    const evidence = lineEvidence('PT', machines, [], day, settings);
    expect(evidence.hazard[3]).toMatchObject({ month: 4, firstFaults: 40 });
    expect(evidence.hazard[11]!.cumulative).toBeGreaterThan(evidence.hazard[3]!.cumulative);
    const schedule = proposeSchedule(evidence, PT_NAME, settings, settings.default_months);
    expect(schedule.basis).toBe('data');
    expect(schedule.ageVisits.map((v) => [v.kind, v.day])).toEqual([
      ['first-month', 30],
      ['hazard', 3 * 30 - settings.lead_days],
    ]);
    expect(schedule.ageVisits[1]!.reason.en).toMatch(/peak in month 4 after acceptance: 40 of the \d+ machines/);
    expect(schedule.ageVisits[1]!.reason.zh).toMatch(/第4个月达到高峰/);
  });

  it('keeps the default months when the history is thin or even, and says so', () => {
    const thin = proposeSchedule(
      lineEvidence(
        'PT',
        history((i) => (i < 5 ? 3 : undefined)),
        [],
        day,
        settings,
      ),
      PT_NAME,
      settings,
      settings.default_months,
    );
    expect(thin.basis).toBe('default');
    expect(thin.ageVisits.map((v) => v.months)).toEqual([1, 3, 6, 12]);
    expect(thin.notes[0]!.en).toMatch(/Only 5 first faults/);
    const even = proposeSchedule(
      lineEvidence(
        'PT',
        history((i) => (i % 4 === 0 ? 2 + (i % 11) : undefined)),
        [],
        day,
        settings,
      ),
      PT_NAME,
      settings,
      [1, 6],
    );
    expect(even.ageVisits.map((v) => v.months)).toEqual([1, 6]);
  });

  it('reads the peak season from the monthly volume and visits before and after it', () => {
    expect(peakSeason([2, 2, 3, 12, 14, 12, 3, 2, 2, 2, 2, 2], 1.3)).toMatchObject({ months: [4, 5, 6] });
    expect(peakSeason([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 1.3)).toBeUndefined();
    const days = [...Array.from({ length: 40 }, (_, i) => `2026-0${4 + (i % 3)}-1${i % 9}`), '2026-01-05', '2026-09-10', '2026-11-02'];
    const schedule = proposeSchedule(
      lineEvidence('PV', [], days, day, settings),
      { en: 'asphalt paver', zh: '摊铺机' },
      settings,
      settings.default_months,
    );
    expect(schedule.seasonVisits.map((v) => [v.kind, v.month, v.dayOfMonth])).toEqual([
      ['pre-peak', 3, 11],
      ['post-peak', 7, 15],
    ]);
    expect(schedule.seasonVisits[0]!.reason.en).toMatch(/peak in Apr–Jun \(93 % of the last year's 43 fault tickets/);
    // One machine accepted in January: the first month (which also covers the pre-season visit 19 days
    // later), 3 months, and the post-season visit (which covers 6 months); the 12th month is next year.
    const visits = machineVisits({ acceptedOn: '2026-01-20' }, schedule, settings, 4, '2026-12-31');
    expect(visits.map((v) => [v.dueOn, v.kinds])).toEqual([
      ['2026-02-20', ['first-month', 'pre-peak']],
      ['2026-04-20', ['default']],
      ['2026-07-15', ['post-peak', 'default']],
    ]);
    // Two visits a year: the first month, and the next most important.
    expect(machineVisits({ acceptedOn: '2026-01-20' }, schedule, settings, 2, '2026-12-31').map((v) => v.dueOn)).toEqual([
      '2026-02-20',
      '2026-04-20',
    ]);
  });
});

describe('inspections worked from the data (SQLite)', () => {
  let s: TestServer;
  let seeded: Awaited<ReturnType<typeof seedDemo>>;
  beforeAll(async () => {
    s = await startTestServer();
    seeded = await seedDemo(s.app.services().db!, kb, maintenance, { machines: 140, seed: 7, now: new Date(), days: 365 });
    s.app.services().maintenance!.invalidate();
  }, 180_000);
  afterAll(() => s.stop());

  it('seeds a plausible installed base and a year of history', () => {
    expect(seeded.machines).toBeGreaterThanOrEqual(140);
    expect(seeded.tickets).toBeGreaterThan(60);
    expect(seeded.inspections).toBeGreaterThan(50);
    expect(seeded.outcomes).toBeGreaterThan(500);
  });

  it('proposes each line its schedule from the seeded history, with the evidence and every reason', async () => {
    const res = await api(s.base, KEYS.agent, 'GET', '/api/inspections/schedule');
    const body = await answer<contract.ScheduleResponse>(contract.scheduleResponse, res);
    expect(body.proposals).toHaveLength(14); // seven lines × the two plans with maintenance
    const db = s.app.services().db!;
    for (const { productLine, schedule } of body.proposals) {
      const [{ n }] = (await db.query<{ n: number | string }>(
        `SELECT COUNT(DISTINCT t.serial) AS n FROM tickets t JOIN equipment e ON e.serial = t.serial
         WHERE t.kind = 'fault' AND e.product_line = $1 AND t.created_at >= e.accepted_on`,
        [productLine],
      )) as [{ n: number | string }];
      expect(schedule.evidence.firstFaults).toBeLessThanOrEqual(Number(n));
      expect(schedule.ageVisits[0]!.kind).toBe('first-month');
      for (const v of schedule.ageVisits.filter((a) => a.kind === 'hazard')) {
        const month = Number(/peak in month (\d+)/.exec(v.reason.en)![1]);
        expect(v.day).toBe(Math.max(60, (month - 1) * 30 - settings.lead_days));
        expect(schedule.evidence.hazard[month - 1]!.firstFaults).toBeGreaterThanOrEqual(3);
      }
      for (const v of [...schedule.ageVisits, ...schedule.seasonVisits]) expect(v.reason.en.length && v.reason.zh.length).toBeTruthy();
      expect(schedule.basis === 'data' || schedule.notes.length > 0).toBe(true);
    }
    // The road lines' spring season is strong in the generator: their volume shows it.
    expect(body.proposals.filter((p) => p.schedule.evidence.peak).length).toBeGreaterThanOrEqual(4);
  });

  it('works a visit from the due list to a failed item and its linked fault ticket', async () => {
    const accepted = addDays(today(), -25);
    const file = `serial,model,product_line,customer,site,accepted_on,warranty_months,contact_phone,plan,technician\nPT-DEMO-0001,56X-6RZ,PT,Harbour Construction,"88 Binjiang Rd, Shanghai",${accepted},24,139 1234 5678,premium,T-07\n`;
    const imported = await fetch(`${s.base}/api/equipment/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'text/csv' },
      body: file,
    });
    expect(imported.status).toBe(200);

    const list = await answer<{ inspections: contract.InspectionView[] }>(
      contract.inspectionList,
      await api(s.base, KEYS.dispatcher, 'GET', `/api/inspections?from=${today()}&to=${addDays(today(), 20)}&productLine=PT`),
    );
    const visit = list.inspections.find((i) => i.serial === 'PT-DEMO-0001')!;
    expect(visit).toMatchObject({ kinds: ['first-month'], status: 'due', dueOn: addDays(accepted, 30) });
    const reminders = await answer<{ reminders: { serial: string; contactPhone?: string; reminded: boolean }[] }>(
      contract.reminderList,
      await api(s.base, KEYS.dispatcher, 'GET', '/api/inspections/reminders'),
    );
    expect(reminders.reminders.find((r) => r.serial === 'PT-DEMO-0001')).toMatchObject({ contactPhone: '+8613912345678', reminded: false });
    expect((await api(s.base, KEYS.agent, 'GET', '/api/inspections/reminders')).status).toBe(403);

    expect(
      (await api(s.base, KEYS.agent, 'POST', '/api/inspections/work-orders', { serial: 'PT-DEMO-0001', dueOn: visit.dueOn })).status,
    ).toBe(403);
    const opened = await api(s.base, KEYS.dispatcher, 'POST', '/api/inspections/work-orders', {
      serial: 'pt-demo-0001',
      dueOn: visit.dueOn,
    });
    const order = await answer<contract.TicketView>(contract.ticketView, opened, 201);
    expect(order).toMatchObject({
      kind: 'maintenance',
      status: 'assigned',
      technicianId: 'T-07',
      serviceTier: 'premium',
      billing: { billable: false },
    });
    expect(order.inspection!.checklist.some((c) => c.id === 'PT-I08')).toBe(true); // the value-added item
    expect(order.inspection!.reservedParts.length).toBeGreaterThan(5);
    expect(order.sla.clocks.find((c) => c.name === 'on_site')!.dueAt.slice(0, 10)).toBe(addDays(visit.dueOn, 15));
    const again = await api(s.base, KEYS.dispatcher, 'POST', '/api/inspections/work-orders', {
      serial: 'PT-DEMO-0001',
      dueOn: visit.dueOn,
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(order.id);

    // The technician's view: their own work orders, with the checklist to fill in.
    const mine = (await (await api(s.base, KEYS.tech7, 'GET', '/api/tickets?status=open')).json()) as {
      tickets: { id: string; allowed: { inspectionResult: boolean } }[];
    };
    expect(mine.tickets.map((t) => t.id)).toContain(order.id);
    for (const status of ['en_route', 'on_site'])
      expect((await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${order.id}/status`, { status })).status).toBe(200);
    const closeOut = await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${order.id}/close-out`, {
      actualFaultId: null,
      rootCauseClass: 'needs-repair',
      workDone: 'x',
      minutesOnSite: 1,
    });
    expect(closeOut.status).toBe(400);

    const items = order.inspection!.checklist.map((c) => ({ id: c.id, result: 'pass' as string, note: undefined as string | undefined }));
    const customer = { peakMonths: [3, 4, 5], operatorTraining: 'wanted', satisfaction: 4, hoursPerDay: 9 };
    const result = (body: unknown, key = KEYS.tech7) => api(s.base, key, 'POST', `/api/inspections/${order.number}/result`, body);
    expect((await result({ items: items.slice(1), customer, minutesOnSite: 120 })).status).toBe(400);
    const failed = items.map((i) => (i.id === 'PT-I04' ? { ...i, result: 'fail' } : i));
    const noNote = await result({ items: failed, customer, minutesOnSite: 120 });
    expect(await noNote.json()).toMatchObject({ issues: [{ field: expect.stringMatching(/^items\.\d+\.note$/) }] });
    expect((await result({ items, customer, minutesOnSite: 120 }, KEYS.tech8)).status).toBe(403);
    const withNote = failed.map((i) =>
      i.id === 'PT-I04'
        ? { id: i.id, result: 'fail', note: 'wear plate gap 4 mm, deep groove at 7 o’clock', machineDown: false }
        : { id: i.id, result: i.result },
    );
    const done = await answer<contract.TicketView>(contract.ticketView, await result({ items: withNote, customer, minutesOnSite: 120 }));
    expect(done.status).toBe('resolved');
    const failedItem = done.inspection!.result!.items.find((i) => i.id === 'PT-I04')!;
    expect(failedItem.faultTicket).toBeDefined();
    expect((await result({ items: withNote, customer, minutesOnSite: 120 })).status).toBe(409);

    const fault = await answer<contract.TicketView>(
      contract.ticketView,
      await api(s.base, KEYS.dispatcher, 'GET', `/api/tickets/${failedItem.faultTicket!.number}`),
    );
    expect(fault).toMatchObject({
      kind: 'fault',
      origin: { ticketId: order.id, number: order.number, itemId: 'PT-I04' },
      equipment: { productLine: 'PT', serial: 'PT-DEMO-0001' },
      faults: [{ id: 'PT-M09' }, { id: 'PT-H03' }],
      billing: { billable: false },
      serviceTier: 'premium',
    });
    expect(fault.operatorWords).toMatch(/wear plate gap 4 mm/);

    // The machine's history has both, and the visit is done; the customer's season now times later visits.
    const machine = await answer<contract.MachineDetail>(
      contract.machineDetail,
      await api(s.base, KEYS.agent, 'GET', '/api/equipment/PT-DEMO-0001'),
    );
    expect(machine.tickets.map((t) => [t.kind, t.number]).sort()).toEqual(
      [
        ['fault', fault.number],
        ['maintenance', order.number],
      ].sort(),
    );
    expect(machine.inspections.find((i) => i.dueOn === visit.dueOn)).toMatchObject({ status: 'done', workOrder: { number: order.number } });
    expect(machine.inspections.some((i) => i.reasons.some((r) => /customer's busy months are 3, 4, 5/.test(r.en)))).toBe(true);

    const workload = (await (await api(s.base, KEYS.dispatcher, 'GET', '/api/reports/workload')).json()) as {
      technicians: { technicianId: string; workload: number }[];
    };
    expect(workload.technicians.find((t) => t.technicianId === 'T-07')!.workload).toBeGreaterThanOrEqual(
      maintenance.settings.work_order.workload_coefficient,
    );
  });

  it('refuses work orders for unknown machines and plans without maintenance', async () => {
    expect(
      (await api(s.base, KEYS.dispatcher, 'POST', '/api/inspections/work-orders', { serial: 'NOPE-0001', dueOn: today() })).status,
    ).toBe(404);
    const basic = (await (await api(s.base, KEYS.agent, 'GET', '/api/equipment?productLine=RR&limit=500')).json()) as {
      machines: { serial: string; plan: string }[];
    };
    const onBasic = basic.machines.find((m) => m.plan === 'basic')!;
    const res = await api(s.base, KEYS.dispatcher, 'POST', '/api/inspections/work-orders', { serial: onBasic.serial, dueOn: today() });
    expect(res.status).toBe(400);
    expect((await api(s.base, KEYS.dispatcher, 'GET', '/api/inspections?from=2026-13-01')).status).toBe(400);
  });
});

describe('the trend reports over seeded history', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ store: 'postgres' });
    await seedDemo(s.app.services().db!, kb, maintenance, { machines: 40, seed: 3, now: new Date(), days: 120 });
    s.app.services().maintenance!.invalidate();
  }, 180_000);
  afterAll(() => s.stop());

  it('answers self-service, gap and inspection trends for dispatch and admin only', async () => {
    const self = await answer<contract.SelfServiceReport>(
      contract.selfServiceReport,
      await api(s.base, KEYS.dispatcher, 'GET', '/api/reports/self-service'),
    );
    expect(self.months).toHaveLength(12);
    const recent = self.months.filter((m) => m.suggestions > 0);
    expect(recent.length).toBeGreaterThanOrEqual(4);
    for (const m of recent) {
      expect(m.abstentionRate).toBeGreaterThan(0);
      expect(m.selfServiceRate).toBeGreaterThan(0);
    }
    const gaps = await answer<contract.GapTrendReport>(
      contract.gapTrendReport,
      await api(s.base, KEYS.admin, 'GET', '/api/reports/knowledge-gaps'),
    );
    expect(gaps.months.reduce((n, m) => n + m.opened, 0)).toBeGreaterThan(0);
    const insp = await answer<contract.InspectionComplianceReport>(
      contract.inspectionComplianceReport,
      await api(s.base, KEYS.admin, 'GET', '/api/reports/inspections'),
    );
    expect(insp.productLines).toHaveLength(7);
    expect(insp.productLines.reduce((n, l) => n + l.onTime + l.late, 0)).toBeGreaterThan(0);
    expect((await api(s.base, KEYS.agent, 'GET', '/api/reports/self-service')).status).toBe(403);
    // The SLA report counts fault tickets only; inspections have their own compliance.
    const sla = (await (await api(s.base, KEYS.admin, 'GET', '/api/reports/sla?from=2020-01-01T00:00:00Z')).json()) as {
      productLines: { tickets: number }[];
    };
    const [{ n }] = (await s.app.services().db!.query<{ n: string }>(`SELECT COUNT(*) AS n FROM tickets WHERE kind = 'fault'`)) as [
      { n: string },
    ];
    expect(sla.productLines.reduce((a, l) => a + l.tickets, 0)).toBe(Number(n));
  });
});
