import type { Machine } from '../equipment/model.js';
import { addDays } from '../equipment/model.js';
import type { Bilingual } from '../knowledge/schema.js';
import type { SlaClock, Ticket } from '../tickets/model.js';
import type { ChecklistItem, Plan, WorkOrderSettings } from './schema.js';
import type { PlannedVisit, VisitKind } from './schedule.js';
import type { InspectionResultInput } from './work-order-schema.js';

export { inspectionResultSchema, type InspectionResultInput } from './work-order-schema.js';

/** What a maintenance ticket carries about its visit (ticket kind "maintenance"). */
export interface InspectionOrder {
  serial: string;
  dueOn: string;
  kinds: VisitKind[];
  reasons: Bilingual[];
  plan: string;
  /** The checklist as it was when the work order was opened (the manual may change later). */
  checklist: ChecklistItem[];
  /** Value-added plans: wear parts reserved for this visit. */
  reservedParts: string[];
  result?: InspectionResult;
}

export interface InspectionResult extends Omit<InspectionResultInput, 'expectedVersion' | 'items'> {
  items: (InspectionResultInput['items'][number] & { faultTicket?: { id: string; number: string } })[];
  at: string;
  technicianId: string;
  workloadCoefficient: number;
}

const HOUR = 3_600_000;

/**
 * An inspection's four clocks, on the emergency commitment's names so that boards and
 * reports treat both kinds alike: a technician booked (assigned) within assign_within_h
 * of opening; on site by the end of the window after the due date; the checklist result
 * within report_within_h after that; follow-up (closed) within follow_up_h.
 */
export function inspectionClocks(createdAt: Date, dueOn: string, s: WorkOrderSettings): SlaClock[] {
  const onSite = Date.parse(`${addDays(dueOn, s.window_days + 1)}T00:00:00Z`);
  const iso = (t: number) => new Date(t).toISOString();
  return [
    { name: 'respond', dueAt: iso(createdAt.getTime() + s.assign_within_h * HOUR) },
    { name: 'on_site', dueAt: iso(Math.max(onSite, createdAt.getTime() + s.assign_within_h * HOUR)) },
    { name: 'fixed', dueAt: iso(Math.max(onSite, createdAt.getTime() + s.assign_within_h * HOUR) + s.report_within_h * HOUR) },
    {
      name: 'follow_up',
      dueAt: iso(Math.max(onSite, createdAt.getTime() + s.assign_within_h * HOUR) + (s.report_within_h + s.follow_up_h) * HOUR),
    },
  ];
}

/** The maintenance ticket for one planned visit of one machine. */
export function buildWorkOrder(args: {
  id: string;
  number: string;
  now: Date;
  machine: Machine;
  visit: PlannedVisit;
  plan: Plan;
  checklist: ChecklistItem[];
  settings: WorkOrderSettings;
  actorLabel: string;
}): Ticket {
  const { machine: m, visit, plan, checklist, settings, now } = args;
  const at = now.toISOString();
  const parts = [...new Set(checklist.flatMap((i) => i.parts))];
  const named = plan.value_added?.named_technician && m.technicianId ? m.technicianId : undefined;
  return {
    id: args.id,
    number: args.number,
    kind: 'maintenance',
    customer: { name: m.customer, site: { address: m.site } },
    // The machine's contact, when the installed base has one; otherwise dispatch calls the customer.
    contact: { name: m.customer, phone: m.contactPhone ?? '' },
    equipment: { productLine: m.productLine, model: m.model, serial: m.serial },
    faults: [],
    operatorWords: `Routine inspection due ${visit.dueOn}: ${visit.reasons.map((r) => r.en).join(' ')}`,
    stepsTried: [],
    machineDown: false,
    source: 'api',
    reference: `inspection:${m.serial}:${visit.dueOn}`,
    status: named ? 'assigned' : 'new',
    technicianId: named,
    version: 1,
    createdAt: at,
    updatedAt: at,
    grade: null,
    workloadCoefficient: settings.workload_coefficient,
    likelyParts: parts.slice(0, 24),
    serviceTier: plan.tier,
    billing: { billable: false, reason: `included in the ${plan.tier} plan` },
    sla: {
      clocks: inspectionClocks(now, visit.dueOn, settings).map((c) => (named && c.name === 'respond' ? { ...c, metAt: at } : c)),
      atRiskFraction: settings.at_risk_fraction,
    },
    inspection: {
      serial: m.serial,
      dueOn: visit.dueOn,
      kinds: visit.kinds,
      reasons: visit.reasons,
      plan: plan.tier,
      checklist,
      reservedParts: plan.value_added?.reserved_parts ? parts : [],
    },
    history: [
      { at, actor: args.actorLabel, action: 'created', to: 'new' },
      ...(named
        ? [
            {
              at,
              actor: args.actorLabel,
              action: 'assigned' as const,
              from: 'new' as const,
              to: 'assigned' as const,
              technicianId: named,
              note: 'the plan names this technician',
            },
          ]
        : []),
    ],
  };
}
