import type { ServicePolicy, SlaClocks } from '../knowledge/schema.js';
import type { SlaBasis, SlaClock, SlaClockName, Ticket, TicketStatus } from './model.js';

const HOUR = 3_600_000;

/** The status whose arrival meets each clock of the 4 × 24 h commitment. */
export const CLOCK_MET_BY: Record<SlaClockName, TicketStatus> = {
  respond: 'assigned',
  on_site: 'on_site',
  fixed: 'resolved',
  follow_up: 'closed',
};

type Tier = ServicePolicy['service_tiers'][number];

/** The tier's clocks for this machine: the machine-down set when it is down and the tier has one. */
export function clocksFor(tier: Tier, machineDown: boolean): { clocks: SlaClocks; basis: SlaBasis } {
  return machineDown && tier.machine_down_sla
    ? { clocks: tier.machine_down_sla, basis: 'machine-down' }
    : { clocks: tier.sla, basis: 'running' };
}

/**
 * New deadlines after the machine's state changed: every clock not yet met moves to the
 * new set's hours after creation (met clocks keep their record).
 */
export function rebaseClocks(current: SlaClock[], createdAt: string, clocks: SlaClocks): SlaClock[] {
  const fresh = new Map(slaDeadlines(new Date(createdAt), clocks).map((c) => [c.name, c.dueAt]));
  return current.map((c) => (c.metAt ? c : { ...c, dueAt: fresh.get(c.name)! }));
}

/** Hours from opening to each deadline: what the bot and the panel promise. */
export function promisedHours(ticket: Pick<Ticket, 'sla' | 'createdAt'>): Record<SlaClockName, number> {
  const created = Date.parse(ticket.createdAt);
  return Object.fromEntries(
    ticket.sla.clocks.map((c) => [c.name, Math.round(((Date.parse(c.dueAt) - created) / HOUR) * 10) / 10]),
  ) as Record<SlaClockName, number>;
}

/** Deadlines at creation: each clock is hours after the ticket was opened. */
export function slaDeadlines(createdAt: Date, clocks: SlaClocks): SlaClock[] {
  const at = (h: number) => new Date(createdAt.getTime() + h * HOUR).toISOString();
  return [
    { name: 'respond', dueAt: at(clocks.respond_with_plan_h) },
    { name: 'on_site', dueAt: at(clocks.technician_on_site_h) },
    { name: 'fixed', dueAt: at(clocks.fault_fixed_h) },
    { name: 'follow_up', dueAt: at(clocks.follow_up_h) },
  ];
}

/** Marks the clocks a status change meets (first time only: a reopened ticket keeps its history). */
export function meetClocks(clocks: SlaClock[], to: TicketStatus, at: string): SlaClock[] {
  const order: TicketStatus[] = ['assigned', 'en_route', 'on_site', 'resolved', 'closed'];
  const reached = order.indexOf(to);
  return clocks.map((c) => {
    if (c.metAt) return c;
    const needed = order.indexOf(CLOCK_MET_BY[c.name]);
    return reached >= 0 && reached >= needed ? { ...c, metAt: at } : c;
  });
}

export type ClockState = 'met' | 'met-late' | 'on-track' | 'at-risk' | 'breached' | 'not-applicable';

export interface ClockView extends SlaClock {
  state: ClockState;
  /** Milliseconds left (negative when overdue); absent once met. */
  remainingMs?: number;
}

export function clockStates(ticket: Pick<Ticket, 'sla' | 'createdAt' | 'status'>, now: Date = new Date()): ClockView[] {
  const created = Date.parse(ticket.createdAt);
  return ticket.sla.clocks.map((c) => {
    const due = Date.parse(c.dueAt);
    if (c.metAt) return { ...c, state: Date.parse(c.metAt) <= due ? 'met' : 'met-late' };
    if (ticket.status === 'cancelled') return { ...c, state: 'not-applicable' };
    const remainingMs = due - now.getTime();
    if (remainingMs < 0) return { ...c, state: 'breached', remainingMs };
    const elapsed = (now.getTime() - created) / Math.max(1, due - created);
    return { ...c, state: elapsed >= ticket.sla.atRiskFraction ? 'at-risk' : 'on-track', remainingMs };
  });
}

/** The earliest deadline not yet met: what "overdue" is judged by. */
export function nextDue(ticket: Pick<Ticket, 'sla' | 'status'>): string | null {
  if (ticket.status === 'cancelled' || ticket.status === 'closed') return null;
  const pending = ticket.sla.clocks
    .filter((c) => !c.metAt)
    .map((c) => c.dueAt)
    .sort();
  return pending[0] ?? null;
}
