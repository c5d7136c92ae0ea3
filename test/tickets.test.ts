import { GapStore } from '../src/feedback/gap-store.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import type { Actor } from '../src/tickets/actor.js';
import { ForbiddenError, IdempotencyConflictError, InvalidRequestError, VersionConflictError } from '../src/errors/domain-errors.js';
import { TransitionError } from '../src/tickets/lifecycle.js';
import { createTicketSchema } from '../src/tickets/model.js';
import { slaCompliance } from '../src/tickets/reports.js';
import { TicketService } from '../src/tickets/service.js';
import { clockStates } from '../src/tickets/sla.js';
import { TicketStore } from '../src/tickets/store.js';
import { RosterStore } from '../src/roster/store.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';
import { KNOWLEDGE_DIR } from './support/paths.js';
import { ticketRequest } from './support/tickets.js';

const kb = loadKnowledge(KNOWLEDGE_DIR);
const HOUR = 3_600_000;
const dispatcher: Actor = { role: 'dispatcher', label: 'dispatcher#test' };
const agent: Actor = { role: 'agent', label: 'agent#test' };
const tech7: Actor = { role: 'technician', technicianId: 'T-07', label: 'technician:T-07#test' };
const tech8: Actor = { role: 'technician', technicianId: 'T-08', label: 'technician:T-08#test' };
const admin: Actor = { role: 'admin', label: 'admin#test' };

describe.each(BACKENDS)('tickets on %s', (_name, open) => {
  let t: TestDatabase;
  let now: Date;
  let service: TicketService;
  let gaps: GapStore;
  let roster: RosterStore;

  beforeEach(async () => {
    t = await open();
    now = new Date('2026-11-26T08:00:00.000Z');
    gaps = new GapStore(t.db);
    roster = new RosterStore(t.db);
    for (const id of ['T-07', 'T-08'])
      await roster.create({ id, name: `Technician ${id}`, phone: '+8613800138000', skills: ['PT', 'RR'], region: 'Pudong', active: true });
    service = new TicketService(kb, new TicketStore(t.db), gaps, roster, () => now);
  });
  afterEach(() => t.cleanup());

  it('derives grade, parts, tier and SLA deadlines from the manual at creation', async () => {
    const { ticket, created } = await service.create(ticketRequest(), agent);
    expect(created).toBe(true);
    expect(ticket.number).toMatch(/^FT-2026-\d{6}$/);
    expect(ticket).toMatchObject({ status: 'new', version: 1, serviceTier: 'premium', grade: expect.stringMatching(/^[ABC][1-3]$/) });
    expect(ticket.workloadCoefficient).toBeGreaterThan(0);
    expect(ticket.likelyParts.length).toBeGreaterThan(0);
    expect(ticket.contact.phone).toBe('+8613912345678');
    // PT is on the premium tier and this machine is down: respond 1 h, on site 6 h, fixed 12 h, follow-up 48 h after creation.
    expect(ticket.sla).toMatchObject({ basis: 'machine-down', atRiskFraction: 0.6 });
    expect(ticket.sla.clocks.map((c) => (Date.parse(c.dueAt) - now.getTime()) / HOUR)).toEqual([1, 6, 12, 48]);
    // A running one gets the tier's regular clocks.
    const { ticket: running } = await service.create(ticketRequest({ machineDown: false }), agent);
    expect(running.sla.basis).toBe('running');
    expect(running.sla.clocks.map((c) => (Date.parse(c.dueAt) - now.getTime()) / HOUR)).toEqual([2, 12, 24, 48]);
    expect(await service.get(ticket.number, agent)).toEqual(ticket);
  });

  it('returns the same ticket for the same idempotency key, even under concurrency', async () => {
    const req = ticketRequest();
    const results = await Promise.all(Array.from({ length: 10 }, () => service.create(req, agent, 'conversation-42-escalation')));
    expect(new Set(results.map((r) => r.ticket.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await service.list({}, dispatcher)).toHaveLength(1);
    await expect(service.create(ticketRequest({ machineDown: false }), agent, 'conversation-42-escalation')).rejects.toThrow(
      IdempotencyConflictError,
    );
  });

  it('walks the whole lifecycle and meets the SLA clocks on the way', async () => {
    const { ticket } = await service.create(ticketRequest(), agent);
    now = new Date(now.getTime() + 1 * HOUR);
    await service.assign(ticket.id, 'T-07', dispatcher);
    await service.changeStatus(ticket.id, 'en_route', tech7);
    await service.changeStatus(ticket.id, 'on_site', tech7);
    now = new Date(now.getTime() + 30 * HOUR); // fixed late: the 24 h clock is breached
    const resolved = await service.closeOut(
      ticket.id,
      {
        actualFaultId: 'PT-H01',
        causeId: 'c2',
        rootCauseClass: 'needs-repair',
        partsUsed: [],
        workDone: 'Cleaned pilot filter',
        minutesOnSite: 95,
      },
      tech7,
    );
    expect(resolved.status).toBe('resolved');
    expect(resolved.closeOut).toMatchObject({ technicianId: 'T-07', grade: kb.faultsById.get('PT-H01')!.causes[1]!.grade });
    const closed = await service.changeStatus(ticket.id, 'closed', dispatcher, 'customer confirmed');
    expect(closed.history.map((h) => h.to)).toEqual(['new', 'assigned', 'en_route', 'on_site', 'resolved', 'closed']);
    expect(closed.version).toBe(6);
    const states = Object.fromEntries(clockStates(closed, now).map((c) => [c.name, c.state]));
    expect(states).toEqual({ respond: 'met', on_site: 'met', fixed: 'met-late', follow_up: 'met' });
  });

  it('refuses illegal transitions with a clear error', async () => {
    const { ticket } = await service.create(ticketRequest(), agent);
    await expect(service.changeStatus(ticket.id, 'on_site', dispatcher)).rejects.toThrow(TransitionError);
    await expect(service.changeStatus(ticket.id, 'on_site', dispatcher)).rejects.toThrow(
      /"new" cannot become "on_site" \(allowed next: assigned, cancelled\)/,
    );
    await service.changeStatus(ticket.id, 'cancelled', agent);
    await expect(service.assign(ticket.id, 'T-07', dispatcher)).rejects.toThrow(/it is final/);
  });

  it('lets technicians see and work only the tickets assigned to them', async () => {
    const { ticket: mine } = await service.create(ticketRequest(), agent);
    const { ticket: other } = await service.create(ticketRequest({ operatorWords: 'outrigger creeping' }), agent);
    await service.assign(mine.id, 'T-07', dispatcher);
    await service.assign(other.id, 'T-08', dispatcher);
    expect((await service.list({}, tech7)).map((x) => x.id)).toEqual([mine.id]);
    expect((await service.list({ technicianId: 'T-08' }, tech7)).map((x) => x.id)).toEqual([mine.id]);
    await expect(service.get(other.id, tech7)).rejects.toThrow(ForbiddenError);
    await expect(service.changeStatus(other.id, 'en_route', tech7)).rejects.toThrow(ForbiddenError);
    await expect(service.changeStatus(mine.id, 'cancelled', tech7)).rejects.toThrow(ForbiddenError);
    await expect(service.assign(mine.id, 'T-07', agent)).rejects.toThrow(ForbiddenError);
    await expect(service.create(ticketRequest(), tech8)).rejects.toThrow(ForbiddenError);
    await expect(service.changeStatus(mine.id, 'en_route', tech7)).resolves.toMatchObject({ status: 'en_route' });
  });

  it('loses no change when many are made at once, and reports a stale version', async () => {
    const { ticket } = await service.create(ticketRequest(), agent);
    await Promise.all(Array.from({ length: 15 }, (_, i) => service.assign(ticket.id, i % 2 ? 'T-07' : 'T-08', dispatcher, `round ${i}`)));
    const after = await service.get(ticket.id, dispatcher);
    expect(after.version).toBe(16);
    expect(after.history.filter((h) => h.action === 'assigned')).toHaveLength(15);
    await expect(service.changeStatus(ticket.id, 'en_route', dispatcher, undefined, 3)).rejects.toThrow(VersionConflictError);
  });

  it('flags at-risk and breached clocks and lists overdue tickets', async () => {
    const { ticket } = await service.create(ticketRequest({ machineDown: false }), agent);
    const at = (h: number) => new Date(Date.parse(ticket.createdAt) + h * HOUR);
    expect(clockStates(ticket, at(1))[0]!.state).toBe('on-track');
    expect(clockStates(ticket, at(1.6))[0]!.state).toBe('at-risk'); // 75 % of the 2 h window gone
    expect(clockStates(ticket, at(3))[0]).toMatchObject({ state: 'breached', remainingMs: -HOUR });
    expect(await service.list({ overdueAt: at(3).toISOString() }, dispatcher)).toHaveLength(1);
    expect(await service.list({ overdueAt: at(1).toISOString() }, dispatcher)).toHaveLength(0);
    const report = slaCompliance([ticket], at(3));
    expect(report[0]!.clocks.respond).toMatchObject({ breached: 1, compliance: 0 });
  });

  it('validates requests against the manual', async () => {
    await expect(service.create(ticketRequest({ faults: [{ id: 'PT-H99' }] }), agent)).rejects.toThrow(InvalidRequestError);
    await expect(service.create(ticketRequest({ faults: [{ id: 'TC-E01' }] }), agent)).rejects.toThrow(/not a fault of product line PT/);
    expect(createTicketSchema.safeParse({ ...ticketRequest(), contact: { name: 'x', phone: '12345' } }).success).toBe(false);
  });

  it('credits the manual’s grade: a technician may not send one, an admin may override it', async () => {
    const { ticket } = await service.create(ticketRequest({ operatorWords: 'grade check' }), agent);
    await service.assign(ticket.id, 'T-07', dispatcher);
    await service.changeStatus(ticket.id, 'en_route', tech7);
    await service.changeStatus(ticket.id, 'on_site', tech7);
    const closeOut = {
      actualFaultId: 'PT-H01',
      causeId: 'c1',
      rootCauseClass: 'operator-error' as const,
      partsUsed: [],
      workDone: 'x',
      minutesOnSite: 30,
    };
    await expect(service.closeOut(ticket.id, { ...closeOut, grade: 'A3' }, tech7)).rejects.toBeInstanceOf(ForbiddenError);
    const resolved = await service.closeOut(ticket.id, closeOut, tech7);
    const manual = kb.faultsById.get('PT-H01')!.causes.find((c) => c.id === 'c1')!.grade;
    expect(resolved.closeOut).toMatchObject({ grade: manual, technicianId: 'T-07' });
  });

  it('feeds close-outs that differ from the match into the knowledge-gap list, and counts workload', async () => {
    for (const actual of ['PT-H03', null] as const) {
      const { ticket } = await service.create(ticketRequest({ operatorWords: `words for ${actual}` }), agent);
      await service.assign(ticket.id, 'T-07', dispatcher);
      await service.changeStatus(ticket.id, 'en_route', tech7);
      await service.changeStatus(ticket.id, 'on_site', tech7);
      await service.closeOut(
        ticket.id,
        { actualFaultId: actual, rootCauseClass: 'part-replacement', partsUsed: [], workDone: 'x', minutesOnSite: 30, grade: 'B2' },
        admin, // only an admin may override the manual's grade
      );
    }
    const items = await gaps.list();
    expect(items.map((g) => g.source).sort()).toEqual(['close-out-mismatch', 'close-out-not-in-manual']);
    expect(items.find((g) => g.source === 'close-out-mismatch')).toMatchObject({
      matchedFaultId: 'PT-H01',
      actualFaultId: 'PT-H03',
      text: 'words for PT-H03',
    });
    const workload = await service.store.workload(
      new Date(now.getTime() - HOUR).toISOString(),
      new Date(now.getTime() + HOUR).toISOString(),
    );
    expect(workload).toEqual([{ technicianId: 'T-07', tickets: 2, workload: 12 }]); // B2 = 6, twice
    const faults = await service.store.countsByFault(
      new Date(now.getTime() - HOUR).toISOString(),
      new Date(now.getTime() + HOUR).toISOString(),
    );
    expect(faults).toEqual(
      expect.arrayContaining([
        { faultId: 'PT-H01', matched: 2, actual: 0 },
        { faultId: 'PT-H03', matched: 0, actual: 1 },
      ]),
    );
  });
});
