import { createHash } from 'node:crypto';
import type { GapStore } from '../feedback/gap-store.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import { plannedGrade, workloadCoefficient } from '../knowledge/grades.js';
import type { Fault } from '../knowledge/schema.js';
import { detectLanguage } from '../language/detect.js';
import type { Actor } from './actor.js';
import type { RosterStore } from '../roster/store.js';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../errors/domain-errors.js';
import { assertTransition, TRANSITIONS } from './lifecycle.js';
import type { CloseOutInput, CreateTicketInput, Ticket, TicketMedia, TicketStatus } from './model.js';
import { clocksFor, meetClocks, rebaseClocks, slaDeadlines } from './sla.js';
import type { TicketFilter, TicketStore } from './store.js';
import { billingFor, canonicalSerial, today, type Machine } from '../equipment/model.js';

/** Finds a machine of the installed base by serial (the ticket service does not own the installed base). */
export type MachineLookup = (serial: string) => Promise<Machine | undefined>;

/** Status changes a technician may make on a ticket assigned to them. */
const TECHNICIAN_STATUSES: readonly TicketStatus[] = ['en_route', 'on_site'];

/** Why a role may not set a status on a ticket in its current state, or undefined if it may. */
function statusRefusal(role: Actor['role'], from: TicketStatus, to: TicketStatus): string | undefined {
  if (role === 'technician' && !TECHNICIAN_STATUSES.includes(to)) {
    return `technicians may only set ${TECHNICIAN_STATUSES.join(' / ')}; ask dispatch to set ${to}`;
  }
  if (role === 'agent' && !(to === 'cancelled' && from === 'new')) return 'agents may only cancel a new ticket';
  return undefined;
}

const ASSIGNERS: readonly Actor['role'][] = ['dispatcher', 'admin'];

/**
 * What this actor may do to this ticket now: the same rules the service enforces, so
 * pages offer exactly the actions that will be accepted.
 */
export function allowedActions(
  ticket: Ticket,
  actor: Actor,
): { assign: boolean; statuses: TicketStatus[]; closeOut: boolean; inspectionResult: boolean } {
  const own = actor.role !== 'technician' || ticket.technicianId === actor.technicianId;
  const next = TRANSITIONS[ticket.status];
  return {
    assign: ASSIGNERS.includes(actor.role) && next.includes('assigned'),
    // "assigned" goes through assign, "resolved" through a close-out.
    statuses: own ? next.filter((to) => to !== 'assigned' && to !== 'resolved' && !statusRefusal(actor.role, ticket.status, to)) : [],
    closeOut: own && (actor.role === 'technician' || actor.role === 'admin') && next.includes('resolved') && ticket.kind !== 'maintenance',
    // An inspection work order is resolved by its checklist result instead of a close-out.
    inspectionResult:
      own && (actor.role === 'technician' || actor.role === 'admin') && next.includes('resolved') && ticket.kind === 'maintenance',
  };
}

/** A change the service made to a ticket: who needs to hear of it (the operator, the live desk) listens. */
export type TicketChange = { kind: 'created' | 'status' | 'assigned' | 'closed-out'; ticket: Ticket };

/**
 * Idempotency keys belong to their caller: an API key's are kept under that key's scope,
 * so another caller's replay of the same key is a new request (and never gets the first
 * caller's ticket back), and nobody can claim a key the bot will use (`bot:<conversation>:<n>`,
 * kept as the bot's own, unscoped: no HTTP caller is the bot).
 */
export function scopedKey(actor: Actor, key: string | undefined): string | undefined {
  if (key === undefined || actor.role === 'bot') return key;
  return `api:${actor.scope ?? actor.label}:${key}`;
}

/**
 * Ticket rules in one place: what the manual implies for a new ticket (grade, parts,
 * tier, deadlines), the lifecycle, who may do what, and the close-out that feeds the
 * knowledge-gap loop.
 */
export class TicketService {
  constructor(
    private readonly kb: KnowledgeBase,
    readonly store: TicketStore,
    private readonly gaps: GapStore,
    /** Tickets are assigned only to active technicians of this roster. */
    private readonly roster: Pick<RosterStore, 'get'>,
    private readonly clock: () => Date = () => new Date(),
    private readonly machines?: MachineLookup,
  ) {}

  private readonly listeners = new Set<(change: TicketChange) => void>();

  /** Calls `listener` after every committed change; returns the way to stop. A listener's failure never fails the change. */
  onChange(listener: (change: TicketChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed<T extends Ticket>(kind: TicketChange['kind'], ticket: T): T {
    for (const listener of this.listeners) {
      try {
        listener({ kind, ticket });
      } catch {
        // The ticket is saved; whoever listens reports its own failures.
      }
    }
    return ticket;
  }

  async create(input: CreateTicketInput, actor: Actor, idempotencyKey?: string, extra: Pick<Ticket, 'origin'> = {}) {
    if (actor.role === 'technician') throw new ForbiddenError('technicians cannot open tickets');
    this.kb.productLines.parse(input.equipment.productLine, 'equipment.productLine');
    const serial = input.equipment.serial ? canonicalSerial(input.equipment.serial) : undefined;
    const machine = serial ? await this.machines?.(serial) : undefined;
    if (machine && machine.productLine !== input.equipment.productLine) {
      throw new InvalidRequestError(
        'equipment.productLine',
        `serial ${machine.serial} is a ${machine.productLine} machine (${machine.model}), not ${input.equipment.productLine}`,
      );
    }
    const faults = input.faults.map((f, i) => {
      const fault = this.kb.faultsById.get(f.id);
      if (!fault) throw new InvalidRequestError(`faults.${i}.id`, `unknown fault id ${f.id}`);
      if (fault.product_line !== input.equipment.productLine) {
        throw new InvalidRequestError(`faults.${i}.id`, `${f.id} is not a fault of product line ${input.equipment.productLine}`);
      }
      return fault;
    });
    const line = this.kb.productLines.line(input.equipment.productLine);
    // A known machine is served under its own plan; others under their line's tier.
    const tier = this.kb.policy.service_tiers.find((t) => t.id === (machine?.plan ?? line.service_tier))!;
    const sla = clocksFor(tier, input.machineDown);
    const planned = faults[0] ? plannedGrade(faults[0]) : null;
    const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');

    const result = await this.store.create(
      (id, number) => {
        const now = this.clock();
        const at = now.toISOString();
        return {
          ...input,
          equipment: { ...input.equipment, serial, model: input.equipment.model ?? machine?.model },
          id,
          number,
          kind: 'fault',
          billing: serial
            ? billingFor(machine, today(now))
            : { billable: null, reason: 'no serial number given: check the warranty by hand' },
          ...extra,
          status: 'new',
          version: 1,
          createdAt: at,
          updatedAt: at,
          grade: planned,
          workloadCoefficient: planned ? this.coefficient(planned) : null,
          likelyParts: likelyParts(faults),
          serviceTier: tier.id,
          sla: { clocks: slaDeadlines(now, sla.clocks), atRiskFraction: sla.clocks.at_risk_fraction, basis: sla.basis },
          history: [{ at, actor: actor.label, action: 'created', to: 'new' }],
        };
      },
      scopedKey(actor, idempotencyKey),
      requestHash,
    );
    if (result.created) this.changed('created', result.ticket);
    return result;
  }

  async get(idOrNumber: string, actor: Actor): Promise<Ticket> {
    const ticket = await this.store.get(idOrNumber);
    if (!ticket) throw new NotFoundError(`no ticket ${idOrNumber}`);
    this.assertCanSee(ticket, actor);
    return ticket;
  }

  async list(filter: TicketFilter, actor: Actor): Promise<Ticket[]> {
    // A technician's list is their own work, whatever filter they ask for.
    const scoped = actor.role === 'technician' ? { ...filter, technicianId: actor.technicianId ?? '\u0000' } : filter;
    return this.store.list(scoped);
  }

  async changeStatus(idOrNumber: string, to: TicketStatus, actor: Actor, note?: string, expectedVersion?: number) {
    const ticket = await this.get(idOrNumber, actor);
    if (to === 'assigned') throw new InvalidRequestError('status', 'use assign to (re)assign a technician');
    if (to === 'resolved') throw new InvalidRequestError('status', 'a ticket is resolved by its close-out');
    const refusal = statusRefusal(actor.role, ticket.status, to);
    if (refusal) throw new ForbiddenError(refusal);
    const updated = await this.store.update(
      ticket.id,
      (t) => {
        assertTransition(t.status, to);
        const at = this.clock().toISOString();
        return {
          ...t,
          status: to,
          updatedAt: at,
          sla: { ...t.sla, clocks: meetClocks(t.sla.clocks, to, at) },
          history: [...t.history, { at, actor: actor.label, action: 'status', from: t.status, to, note }],
        };
      },
      expectedVersion,
    );
    return this.changed('status', updated);
  }

  async assign(idOrNumber: string, technicianId: string, actor: Actor, note?: string, expectedVersion?: number) {
    if (!ASSIGNERS.includes(actor.role)) throw new ForbiddenError('only dispatch assigns technicians');
    const technician = await this.roster.get(technicianId);
    if (!technician)
      throw new InvalidRequestError('technicianId', `no technician "${technicianId}" on the roster; add them under /api/technicians first`);
    if (!technician.active)
      throw new ConflictError(
        'technician_inactive',
        `technician ${technician.id} (${technician.name}) is not active; choose an active technician`,
      );
    const ticket = await this.get(idOrNumber, actor);
    const updated = await this.store.update(
      ticket.id,
      (t) => {
        assertTransition(t.status, 'assigned');
        const at = this.clock().toISOString();
        return {
          ...t,
          status: 'assigned',
          technicianId,
          updatedAt: at,
          sla: { ...t.sla, clocks: meetClocks(t.sla.clocks, 'assigned', at) },
          history: [...t.history, { at, actor: actor.label, action: 'assigned', from: t.status, to: 'assigned', technicianId, note }],
        };
      },
      expectedVersion,
    );
    return this.changed('assigned', updated);
  }

  /**
   * The machine stopped after the ticket was opened (or runs again): the open clocks move
   * to the tier's set for its state. Dispatch decides; the technician on the job may too.
   */
  async setMachineDown(idOrNumber: string, machineDown: boolean, actor: Actor, note?: string, expectedVersion?: number) {
    if (actor.role === 'agent') throw new ForbiddenError('dispatch or the technician on the job changes whether the machine is down');
    const ticket = await this.get(idOrNumber, actor);
    const line = this.kb.productLines.line(ticket.equipment.productLine);
    const tier = this.kb.policy.service_tiers.find((t) => t.id === line.service_tier)!;
    const sla = clocksFor(tier, machineDown);
    return this.store.update(
      ticket.id,
      (t) => {
        if (t.status === 'closed' || t.status === 'cancelled') throw new ConflictError('ticket_final', `ticket ${t.number} is ${t.status}`);
        const at = this.clock().toISOString();
        return {
          ...t,
          machineDown,
          updatedAt: at,
          sla: {
            clocks: rebaseClocks(t.sla.clocks, t.createdAt, sla.clocks),
            atRiskFraction: sla.clocks.at_risk_fraction,
            basis: sla.basis,
          },
          history: [...t.history, { at, actor: actor.label, action: 'machine-down', machineDown, note }],
        };
      },
      expectedVersion,
    );
  }

  /** The site's position, when the operator shares it (or a photo carries it) after the ticket was opened. */
  async setSiteCoordinates(idOrNumber: string, at: { lat: number; lon: number }, actor: Actor) {
    if (actor.role !== 'bot' && !ASSIGNERS.includes(actor.role)) throw new ForbiddenError('only dispatch changes the site of a ticket');
    const ticket = await this.get(idOrNumber, actor);
    return this.store.update(ticket.id, (t) => ({
      ...t,
      customer: { ...t.customer, site: { ...t.customer.site, lat: at.lat, lon: at.lon } },
      updatedAt: this.clock().toISOString(),
    }));
  }

  /** Adds photos or videos to the ticket (already stored; the same item is listed once). */
  async attachMedia(idOrNumber: string, items: readonly Omit<TicketMedia, 'by'>[], by: TicketMedia['by'], actor: Actor) {
    const ticket = await this.get(idOrNumber, actor);
    if (actor.role === 'agent') throw new ForbiddenError('agents cannot add media to a ticket');
    return this.store.update(ticket.id, (t) => {
      const have = new Set((t.media ?? []).map((m) => m.id));
      const fresh = items.filter((m) => !have.has(m.id));
      if (fresh.length === 0) return t;
      const at = this.clock().toISOString();
      return {
        ...t,
        media: [...(t.media ?? []), ...fresh.map((m) => ({ ...m, by }))],
        updatedAt: at,
        history: [...t.history, { at, actor: actor.label, action: 'media', note: `${fresh.length} file(s)` }],
      };
    });
  }

  /** The technician's account of the job; resolves the ticket and feeds the manual. */
  async closeOut(idOrNumber: string, input: CloseOutInput, actor: Actor) {
    if (actor.role !== 'technician' && actor.role !== 'admin') throw new ForbiddenError('only the technician on the job closes it out');
    const ticket = await this.get(idOrNumber, actor);
    if (ticket.kind === 'maintenance')
      throw new InvalidRequestError(
        'ticket',
        `${ticket.number} is an inspection: send its checklist result to /api/inspections/${ticket.id}/result`,
      );
    const actual = input.actualFaultId ? this.kb.faultsById.get(input.actualFaultId) : undefined;
    if (input.actualFaultId && !actual) throw new InvalidRequestError('actualFaultId', `unknown fault id ${input.actualFaultId}`);
    const cause = input.causeId ? actual?.causes.find((c) => c.id === input.causeId) : undefined;
    if (input.causeId && !cause)
      throw new InvalidRequestError('causeId', `${input.actualFaultId ?? 'no fault'} has no cause ${input.causeId}`);
    input.partsUsed.forEach((p, i) => {
      if (!this.kb.parts.has(p.code)) throw new InvalidRequestError(`partsUsed.${i}.code`, `unknown part code ${p.code}`);
    });
    // The credited grade is the manual's (the cause's, else the fault's); only an admin may override it.
    if (input.grade !== undefined && actor.role !== 'admin') {
      throw new ForbiddenError('the grade comes from the fault manual (the cause you name); only an admin may override it');
    }
    const grade = input.grade ?? cause?.grade ?? (actual ? plannedGrade(actual) : ticket.grade) ?? 'C1';
    const { expectedVersion, grade: _override, ...rest } = input;

    const updated = await this.store.update(
      ticket.id,
      (t) => {
        assertTransition(t.status, 'resolved');
        const at = this.clock().toISOString();
        return {
          ...t,
          status: 'resolved',
          updatedAt: at,
          closeOut: { ...rest, grade, workloadCoefficient: this.coefficient(grade), technicianId: t.technicianId ?? actor.label, at },
          sla: { ...t.sla, clocks: meetClocks(t.sla.clocks, 'resolved', at) },
          history: [...t.history, { at, actor: actor.label, action: 'closed-out', from: t.status, to: 'resolved' }],
        };
      },
      expectedVersion,
    );

    const matched = ticket.faults[0]?.id ?? null;
    if (input.actualFaultId === null || input.actualFaultId !== matched) {
      await this.gaps.record({
        source: input.actualFaultId === null ? 'close-out-not-in-manual' : 'close-out-mismatch',
        text: ticket.operatorWords,
        language: detectLanguage(ticket.operatorWords),
        productLine: ticket.equipment.productLine,
        matchedFaultId: matched,
        actualFaultId: input.actualFaultId,
        ticketId: ticket.id,
      });
    }
    return this.changed('closed-out', updated);
  }

  private assertCanSee(ticket: Ticket, actor: Actor): void {
    if (actor.role === 'technician' && ticket.technicianId !== actor.technicianId) {
      throw new ForbiddenError(`ticket ${ticket.number} is not assigned to you`);
    }
  }

  private coefficient(grade: string): number {
    return workloadCoefficient(this.kb, grade);
  }
}

/** Parts of the causes a technician would fix, in checking order: what to put in the van. */
function likelyParts(faults: Fault[]): string[] {
  const codes = faults.flatMap((f) => f.causes.filter((c) => c.class !== 'operator-error').flatMap((c) => c.parts));
  return [...new Set(codes)].slice(0, 12);
}
