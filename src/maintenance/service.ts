import type { Machine } from '../equipment/model.js';
import { addDays, daysBetween, today as dayOf } from '../equipment/model.js';
import type { EquipmentStore } from '../equipment/store.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import type { ProductLineCode } from '../knowledge/schema.js';
import type { Actor } from '../tickets/actor.js';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../errors/domain-errors.js';
import { assertTransition } from '../tickets/lifecycle.js';
import type { Ticket } from '../tickets/model.js';
import type { TicketService } from '../tickets/service.js';
import { meetClocks } from '../tickets/sla.js';
import { checklistFor, type MaintenanceKnowledge } from './knowledge.js';
import {
  lineEvidence,
  machineVisits,
  proposeSchedule,
  type LineEvidence,
  type LineSchedule,
  type PlannedVisit,
  type SeasonVisit,
} from './schedule.js';
import { buildWorkOrder, type InspectionResult, type InspectionResultInput } from './work-order.js';

export type InspectionStatus = 'planned' | 'due' | 'overdue' | 'missed' | 'ordered' | 'done' | 'cancelled';

export interface InspectionView {
  serial: string;
  model: string;
  productLine: ProductLineCode;
  customer: string;
  site: string;
  plan: string;
  dueOn: string;
  kinds: PlannedVisit['kinds'];
  reasons: PlannedVisit['reasons'];
  status: InspectionStatus;
  /** Dispatch reminds the contact from this day on. */
  remindFrom: string;
  workOrder?: { id: string; number: string; status: Ticket['status']; technicianId?: string; doneAt?: string };
}

/** Where a reminder to the machine's contact goes: the live desk's InspectionReminders (src/live/reminders.ts) in the server. */
export interface ReminderChannel {
  /** Sends the reminder into the contact's conversation; false when the contact has none. */
  remind(machine: Machine, visit: InspectionView): Promise<boolean>;
}

/** No conversation to remind in (tools, tests without the live desk): reminders stay in the dispatcher's list. */
export const NO_PROACTIVE_CHANNEL: ReminderChannel = { remind: async () => false };

const CACHE_MS = 60_000;

/**
 * The maintenance service: schedules from the history, the due list, inspection work
 * orders (maintenance tickets with their own clocks), checklist results, and the fault
 * tickets that failed items open.
 */
export class MaintenanceService {
  private cache?: { at: number; day: string; evidence: Map<ProductLineCode, LineEvidence> };

  constructor(
    private readonly kb: KnowledgeBase,
    readonly knowledge: MaintenanceKnowledge,
    private readonly equipment: EquipmentStore,
    private readonly tickets: TicketService,
    private readonly clock: () => Date = () => new Date(),
    readonly reminders: ReminderChannel = NO_PROACTIVE_CHANNEL,
  ) {}

  /** Each line's evidence from the installed base and the ticket history (cached for a minute). */
  async evidence(): Promise<Map<ProductLineCode, LineEvidence>> {
    const day = dayOf(this.clock());
    if (this.cache && this.cache.day === day && Date.now() - this.cache.at < CACHE_MS) return this.cache.evidence;
    const [machines, firstFaults, faultDays] = await Promise.all([
      this.equipment.list(),
      this.tickets.store.firstFaultDays(),
      this.tickets.store.faultDays(`${addDays(day, -366)}T00:00:00.000Z`),
    ]);
    const evidence = new Map<ProductLineCode, LineEvidence>();
    for (const line of this.kb.productLines.all) {
      const history = machines
        .filter((m) => m.productLine === line.code)
        .map((m) => {
          const first = firstFaults.get(m.serial);
          // A fault before acceptance (commissioning) is not the in-service first fault.
          return { serial: m.serial, acceptedOn: m.acceptedOn, firstFaultOn: first && first >= m.acceptedOn ? first : undefined };
        });
      const days = faultDays.filter((f) => f.productLine === line.code).map((f) => f.day);
      evidence.set(line.code, lineEvidence(line.code, history, days, day, this.knowledge.settings.schedule));
    }
    this.cache = { at: Date.now(), day, evidence };
    return evidence;
  }

  /** Forget the cached evidence (after an import or a seeded history). */
  invalidate(): void {
    this.cache = undefined;
  }

  /** The schedule a line's machines get under a plan: the data-driven proposal, or the plan's default months. */
  schedule(line: ProductLineCode, planTier: string, evidence: LineEvidence): LineSchedule | undefined {
    const plan = this.knowledge.plans.get(planTier);
    if (!plan) return undefined;
    const s = this.knowledge.settings.schedule;
    const name = this.kb.productLines.line(line).name;
    const months = plan.default_months ?? s.default_months;
    if (plan.schedule === 'data-driven') return proposeSchedule(evidence, name, s, months);
    return proposeSchedule(
      { ...evidence, firstFaults: 0, peak: undefined },
      name,
      { ...s, min_first_faults: Number.MAX_SAFE_INTEGER },
      months,
    );
  }

  /** Every line's schedule per plan, with the evidence and the reasons: what dispatch reviews. */
  async proposals(): Promise<{ productLine: ProductLineCode; plan: string; schedule: LineSchedule }[]> {
    const evidence = await this.evidence();
    const out = [];
    for (const line of this.kb.productLines.all) {
      for (const plan of this.knowledge.plans.keys()) {
        const schedule = this.schedule(line.code, plan, evidence.get(line.code)!);
        if (schedule) out.push({ productLine: line.code, plan, schedule });
      }
    }
    return out;
  }

  private visitsPerYear(machine: Machine): number {
    const tier = this.kb.policy.service_tiers.find((t) => t.id === machine.plan);
    return tier?.services.includes('maintenance') ? tier.maintenance_visits_per_year : 0;
  }

  /** The visits of the given machines (all, by default) due between from and to, joined with their work orders. */
  async inspections(
    range: { from: string; to: string },
    filter: { serial?: string; productLine?: ProductLineCode } = {},
  ): Promise<InspectionView[]> {
    const today = dayOf(this.clock());
    const [evidence, machines, orders] = await Promise.all([
      this.evidence(),
      filter.serial
        ? this.equipment.get(filter.serial).then((m) => (m ? [m] : []))
        : this.equipment.list({ productLine: filter.productLine }),
      this.tickets.store.maintenanceOrders(),
    ]);
    const ordersBySerial = new Map<string, Ticket[]>();
    for (const o of orders) {
      const s = o.inspection?.serial;
      if (s) ordersBySerial.set(s, [...(ordersBySerial.get(s) ?? []), o]);
    }
    const { min_gap_days, remind_days_before } = this.knowledge.settings.schedule;
    const window = this.knowledge.settings.work_order.window_days;
    const customerSeason = this.customerSeasons(orders);
    const out: InspectionView[] = [];
    for (const m of machines) {
      const schedule = this.schedule(m.productLine, m.plan, evidence.get(m.productLine)!);
      const own = ordersBySerial.get(m.serial) ?? [];
      const visits = schedule
        ? machineVisits(m, schedule, this.knowledge.settings.schedule, this.visitsPerYear(m), range.to, customerSeason.get(m.serial))
        : [];
      const used = new Set<Ticket>();
      const view = (dueOn: string, v: Pick<PlannedVisit, 'kinds' | 'reasons'>, order?: Ticket): InspectionView => ({
        serial: m.serial,
        model: m.model,
        productLine: m.productLine,
        customer: m.customer,
        site: m.site,
        plan: m.plan,
        dueOn,
        kinds: v.kinds,
        reasons: v.reasons,
        status: order
          ? orderStatus(order)
          : dueOn >= today
            ? addDays(dueOn, -remind_days_before) <= today
              ? 'due'
              : 'planned'
            : daysBetween(dueOn, today) > window
              ? 'missed'
              : 'overdue',
        remindFrom: addDays(dueOn, -remind_days_before),
        workOrder: order && {
          id: order.id,
          number: order.number,
          status: order.status,
          technicianId: order.technicianId,
          doneAt: order.inspection?.result?.at,
        },
      });
      for (const v of visits) {
        // A work order opened for a date near this visit covers it (the proposal may have moved a little since).
        const order = own.find((o) => !used.has(o) && Math.abs(daysBetween(o.inspection!.dueOn, v.dueOn)) < min_gap_days);
        if (order) used.add(order);
        const dueOn = order?.inspection?.dueOn ?? v.dueOn;
        if (dueOn >= range.from && dueOn <= range.to) out.push(view(dueOn, v, order));
      }
      for (const o of own) {
        if (used.has(o) || o.inspection!.dueOn < range.from || o.inspection!.dueOn > range.to) continue;
        out.push(view(o.inspection!.dueOn, o.inspection!, o));
      }
    }
    return out.sort((a, b) => a.dueOn.localeCompare(b.dueOn) || a.serial.localeCompare(b.serial));
  }

  /** The customer's own peak months from their latest inspection form, as season visits. */
  private customerSeasons(orders: readonly Ticket[]): Map<string, SeasonVisit[]> {
    const latest = new Map<string, InspectionResult>();
    for (const o of orders) {
      const r = o.inspection?.result;
      if (r?.customer.peakMonths.length && (!latest.get(o.inspection!.serial) || latest.get(o.inspection!.serial)!.at < r.at))
        latest.set(o.inspection!.serial, r);
    }
    const s = this.knowledge.settings.schedule;
    const out = new Map<string, SeasonVisit[]>();
    for (const [serial, r] of latest) {
      const months = [...new Set(r.customer.peakMonths)].sort((a, b) => a - b);
      const first = months[0]!;
      const last = months[months.length - 1]!;
      const before = addDays(`2001-${String(first).padStart(2, '0')}-01`, -s.season_lead_days);
      const after = addDays(last === 12 ? '2002-01-01' : `2001-${String(last + 1).padStart(2, '0')}-01`, s.season_after_days);
      const said = r.at.slice(0, 10);
      out.set(serial, [
        {
          kind: 'pre-peak',
          month: Number(before.slice(5, 7)),
          dayOfMonth: Number(before.slice(8, 10)),
          reason: {
            en: `The customer's busy months are ${months.join(', ')} (told at the inspection of ${said}): inspect before them.`,
            zh: `客户的施工高峰为${months.join('、')}月（${said}例行检查时获知）：高峰前检查。`,
          },
        },
        {
          kind: 'post-peak',
          month: Number(after.slice(5, 7)),
          dayOfMonth: Number(after.slice(8, 10)),
          reason: {
            en: `After the customer's busy months (${months.join(', ')}): inspect for the wear they left.`,
            zh: `客户施工高峰（${months.join('、')}月）之后：检查高峰期造成的磨损。`,
          },
        },
      ]);
    }
    return out;
  }

  /** Opens the work order for a machine's visit; the same visit twice gives the same ticket. */
  async openWorkOrder(serial: string, dueOn: string, actor: Actor): Promise<{ ticket: Ticket; created: boolean }> {
    if (actor.role !== 'dispatcher' && actor.role !== 'admin') throw new ForbiddenError('only dispatch opens inspection work orders');
    const machine = await this.equipment.get(serial);
    if (!machine) throw new NotFoundError(`no machine ${serial} in the installed base`);
    const plan = this.knowledge.plans.get(machine.plan);
    if (!plan)
      throw new InvalidRequestError('serial', `machine ${machine.serial} is on the ${machine.plan} plan, which has no maintenance service`);
    const [visit] = await this.inspections({ from: dueOn, to: dueOn }, { serial: machine.serial });
    const planned: PlannedVisit = visit
      ? { dueOn: visit.dueOn, kinds: visit.kinds, reasons: visit.reasons }
      : {
          dueOn,
          kinds: [],
          reasons: [{ en: 'Inspection arranged by dispatch outside the schedule.', zh: '调度在计划外安排的例行检查。' }],
        };
    if (visit?.workOrder) {
      const ticket = await this.tickets.store.get(visit.workOrder.id);
      if (ticket) return { ticket, created: false };
    }
    const result = await this.tickets.store.create(
      (id, number) =>
        buildWorkOrder({
          id,
          number,
          now: this.clock(),
          machine,
          visit: planned,
          plan,
          checklist: checklistFor(this.knowledge, machine.productLine, plan),
          settings: this.knowledge.settings.work_order,
          actorLabel: actor.label,
        }),
      `inspection:${machine.serial}:${planned.dueOn}`,
    );
    return result;
  }

  /**
   * The technician's filled-in checklist: every item answered, a fail described. Each
   * failed item opens a fault ticket on the machine linked to the inspection (idempotent
   * per item, so a retried submit opens none twice); the work order is resolved.
   */
  async recordResult(idOrNumber: string, input: InspectionResultInput, actor: Actor): Promise<Ticket> {
    if (actor.role !== 'technician' && actor.role !== 'admin')
      throw new ForbiddenError('only the technician on the job records the inspection');
    const ticket = await this.tickets.get(idOrNumber, actor);
    if (ticket.kind !== 'maintenance' || !ticket.inspection)
      throw new InvalidRequestError('ticket', `${ticket.number} is not an inspection work order`);
    assertTransition(ticket.status, 'resolved');
    const checklist = ticket.inspection.checklist;
    input.items.forEach((item, i) => {
      if (!checklist.some((c) => c.id === item.id))
        throw new InvalidRequestError(`items.${i}.id`, `${item.id} is not on this inspection's checklist`);
      if (input.items.findIndex((x) => x.id === item.id) !== i)
        throw new InvalidRequestError(`items.${i}.id`, `${item.id} is answered twice`);
      if (item.result === 'fail' && !item.note)
        throw new InvalidRequestError(`items.${i}.note`, `say what was found at ${item.id}: it becomes the fault ticket`);
    });
    const missing = checklist.filter((c) => !input.items.some((x) => x.id === c.id)).map((c) => c.id);
    if (missing.length) throw new InvalidRequestError('items', `every item needs an answer; missing: ${missing.join(', ')}`);

    const items: InspectionResult['items'] = [];
    for (const item of input.items) {
      if (item.result !== 'fail') {
        items.push(item);
        continue;
      }
      const c = checklist.find((x) => x.id === item.id)!;
      const { ticket: fault } = await this.tickets.create(
        {
          customer: ticket.customer,
          contact: ticket.contact.phone ? ticket.contact : { name: ticket.customer.name, phone: '' },
          equipment: ticket.equipment,
          faults: c.faults.slice(0, 5).map((id) => ({ id })),
          operatorWords: `Inspection ${ticket.number}, ${c.title.en}: ${item.note}`,
          stepsTried: [],
          machineDown: item.machineDown ?? false,
          source: 'api',
          reference: ticket.number,
        } as Parameters<TicketService['create']>[0],
        { role: 'bot', label: `inspection ${ticket.number} (${actor.label})` },
        `inspection-fail:${ticket.id}:${item.id}`,
        { origin: { ticketId: ticket.id, number: ticket.number, itemId: item.id } },
      );
      items.push({ ...item, faultTicket: { id: fault.id, number: fault.number } });
    }

    const { expectedVersion, items: _answered, ...rest } = input;
    return this.tickets.store.update(
      ticket.id,
      (t) => {
        assertTransition(t.status, 'resolved');
        const at = this.clock().toISOString();
        const result: InspectionResult = {
          ...rest,
          items,
          at,
          technicianId: t.technicianId ?? actor.label,
          workloadCoefficient: this.knowledge.settings.work_order.workload_coefficient,
        };
        return {
          ...t,
          status: 'resolved',
          updatedAt: at,
          inspection: { ...t.inspection!, result },
          sla: { ...t.sla, clocks: meetClocks(t.sla.clocks, 'resolved', at) },
          history: [
            ...t.history,
            {
              at,
              actor: actor.label,
              action: 'closed-out',
              from: t.status,
              to: 'resolved',
              note: `${items.filter((i) => i.result === 'fail').length} failed item(s)`,
            },
          ],
        };
      },
      expectedVersion,
    );
  }

  /**
   * Inspection compliance per line: of the visits due in the period whose window has
   * closed, the share done within it (result recorded by due date + window_days).
   */
  async compliance(range: { from: string; to: string }): Promise<
    {
      productLine: ProductLineCode;
      due: number;
      onTime: number;
      late: number;
      missed: number;
      pending: number;
      compliance: number | null;
    }[]
  > {
    const today = dayOf(this.clock());
    const window = this.knowledge.settings.work_order.window_days;
    const rows = new Map(
      this.kb.productLines.all.map((l) => [
        l.code,
        { productLine: l.code, due: 0, onTime: 0, late: 0, missed: 0, pending: 0, compliance: null as number | null },
      ]),
    );
    for (const v of await this.inspections(range)) {
      if (v.status === 'cancelled') continue;
      const r = rows.get(v.productLine)!;
      r.due++;
      const deadline = addDays(v.dueOn, window);
      const doneOn = v.workOrder?.doneAt?.slice(0, 10);
      if (doneOn) doneOn <= deadline ? r.onTime++ : r.late++;
      else if (deadline < today) r.missed++;
      else r.pending++;
    }
    for (const r of rows.values()) {
      const decided = r.onTime + r.late + r.missed;
      r.compliance = decided ? Math.round((r.onTime / decided) * 1000) / 1000 : null;
    }
    return [...rows.values()];
  }

  /** Visits whose reminder day has come and that are not done: the dispatcher's call list. */
  async dueReminders(): Promise<(InspectionView & { contactPhone?: string; reminded: boolean })[]> {
    const today = dayOf(this.clock());
    const ahead = this.knowledge.settings.schedule.remind_days_before;
    const list = await this.inspections({
      from: addDays(today, -this.knowledge.settings.work_order.window_days),
      to: addDays(today, ahead),
    });
    const open = list.filter((v) => ['due', 'overdue', 'ordered'].includes(v.status) && v.remindFrom <= today);
    const out = [];
    for (const v of open) {
      const machine = await this.equipment.get(v.serial);
      const reminded = machine ? await this.reminders.remind(machine, v) : false;
      out.push({ ...v, contactPhone: machine?.contactPhone, reminded });
    }
    return out;
  }
}

function orderStatus(t: Ticket): InspectionStatus {
  if (t.status === 'cancelled') return 'cancelled';
  if (t.status === 'resolved' || t.status === 'closed') return 'done';
  return 'ordered';
}
