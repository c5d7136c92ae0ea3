import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Database } from '../storage/database.js';
import { IdempotencyConflictError, NotFoundError, VersionConflictError } from '../errors/domain-errors.js';
import type { Ticket, TicketKind, TicketStatus } from './model.js';
import { nextDue } from './sla.js';

export interface TicketFilter {
  status?: readonly TicketStatus[];
  kind?: TicketKind;
  /** One machine's tickets (its history). */
  serial?: string;
  productLine?: string;
  technicianId?: string;
  /** Only tickets with a deadline already passed and not met. */
  overdueAt?: string;
  machineDown?: boolean;
  /** Ticket number, phone, customer, contact, site or serial: see searchText(). */
  search?: string;
  /** created: newest first; due: most urgent deadline first; priority: machines that are down first, then by deadline. */
  sort?: 'created' | 'due' | 'priority';
  limit?: number;
  offset?: number;
}

interface Row {
  doc: string;
  version: number;
  request_hash: string | null;
}

/**
 * Tickets as JSON documents plus the columns queries filter on. Every write is one
 * transaction, so a crash leaves either the whole change or none of it.
 */
export class TicketStore {
  constructor(private readonly db: Database) {}

  /**
   * Creates a ticket, or returns the one created earlier with the same idempotency key.
   * `build` receives the id and the human-readable number allocated in the transaction.
   */
  async create(
    build: (id: string, number: string) => Ticket,
    idempotencyKey?: string,
    requestHash?: string,
  ): Promise<{ ticket: Ticket; created: boolean }> {
    const existing = idempotencyKey ? await this.byKey(idempotencyKey, requestHash) : undefined;
    if (existing) return { ticket: existing, created: false };
    try {
      const ticket = await this.db.transaction(async (tx) => {
        const [counter] = await tx.query<{ value: number }>(`UPDATE counters SET value = value + 1 WHERE name = 'ticket' RETURNING value`);
        const id = randomUUID();
        const t = build(id, formatNumber(new Date(), Number(counter!.value)));
        await tx.run(
          `INSERT INTO tickets (id, number, idempotency_key, request_hash, status, product_line, technician_id, fault_id,
             created_at, updated_at, next_due_at, version, doc, kind, serial, machine_down, search_text)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
          [
            t.id,
            t.number,
            idempotencyKey ?? null,
            requestHash ?? null,
            t.status,
            t.equipment.productLine,
            t.technicianId ?? null,
            t.faults[0]?.id ?? null,
            t.createdAt,
            t.updatedAt,
            nextDue(t),
            t.version,
            JSON.stringify(t),
            t.kind ?? 'fault',
            t.equipment.serial ?? null,
            t.machineDown ? 1 : 0,
            searchText(t),
          ],
        );
        return t;
      });
      return { ticket, created: true };
    } catch (err) {
      // The same key raced in from another request or instance: that one won.
      if (idempotencyKey && isUniqueViolation(err)) {
        const winner = await this.byKey(idempotencyKey, requestHash);
        if (winner) return { ticket: winner, created: false };
      }
      throw err;
    }
  }

  private async byKey(key: string, requestHash?: string): Promise<Ticket | undefined> {
    const [row] = await this.db.query<Row>(`SELECT doc, version, request_hash FROM tickets WHERE idempotency_key = $1`, [key]);
    if (!row) return undefined;
    if (requestHash && row.request_hash && row.request_hash !== requestHash) {
      throw new IdempotencyConflictError('this Idempotency-Key was already used for a different ticket request');
    }
    return JSON.parse(row.doc) as Ticket;
  }

  async get(idOrNumber: string): Promise<Ticket | undefined> {
    const [row] = await this.db.query<Row>(`SELECT doc FROM tickets WHERE id = $1 OR number = $1`, [idOrNumber]);
    return row ? (JSON.parse(row.doc) as Ticket) : undefined;
  }

  async list(filter: TicketFilter = {}): Promise<Ticket[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.status?.length) {
      const marks = filter.status.map((s) => {
        params.push(s);
        return `$${params.length}`;
      });
      where.push(`status IN (${marks.join(', ')})`);
    }
    if (filter.productLine) add((p) => `product_line = ${p}`, filter.productLine);
    if (filter.kind) add((p) => `kind = ${p}`, filter.kind);
    if (filter.serial) add((p) => `serial = ${p}`, filter.serial);
    if (filter.technicianId) add((p) => `technician_id = ${p}`, filter.technicianId);
    if (filter.overdueAt) add((p) => `next_due_at IS NOT NULL AND next_due_at < ${p}`, filter.overdueAt);
    if (filter.machineDown !== undefined) add((p) => `machine_down = ${p}`, filter.machineDown ? 1 : 0);
    if (filter.search) {
      const q = searchTerm(filter.search);
      if (q) add((p) => `search_text LIKE ${p} ESCAPE '\\'`, `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    params.push(Math.min(filter.limit ?? 100, filter.serial ? 5000 : 500), filter.offset ?? 0);
    const order = {
      due: 'next_due_at ASC NULLS LAST, created_at ASC',
      priority: 'machine_down DESC, next_due_at ASC NULLS LAST, created_at ASC',
      created: 'created_at DESC, number DESC',
    }[filter.sort ?? 'created'];
    const rows = await this.db.query<Row>(
      `SELECT doc FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map((r) => JSON.parse(r.doc) as Ticket);
  }

  /**
   * Applies `change` to the current ticket inside one transaction that holds the row
   * (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock), so concurrent changes
   * queue up instead of overwriting each other. With expectedVersion the caller's view
   * must still be current, and a mismatch is reported rather than applied.
   */
  async update(id: string, change: (t: Ticket) => Ticket, expectedVersion?: number): Promise<Ticket> {
    const lock = this.db.kind === 'postgres' ? ' FOR UPDATE' : '';
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<Row>(`SELECT doc, version FROM tickets WHERE id = $1 OR number = $1${lock}`, [id]);
      if (!row) throw new NotFoundError(`no ticket ${id}`);
      const current = JSON.parse(row.doc) as Ticket;
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new VersionConflictError(`ticket ${current.number} is at version ${current.version}, not ${expectedVersion}: reload it`);
      }
      const next = { ...change(structuredClone(current)), version: current.version + 1 };
      // A fault's close-out or an inspection's result: what the workload report counts.
      const done = next.closeOut ?? next.inspection?.result;
      const changed = await tx.run(
        `UPDATE tickets SET doc = $1, version = $2, status = $3, technician_id = $4, updated_at = $5, next_due_at = $6,
           actual_fault_id = $7, closed_out_at = $8, closed_out_by = $9, workload = $10, machine_down = $11, search_text = $12
         WHERE id = $13 AND version = $14`,
        [
          JSON.stringify(next),
          next.version,
          next.status,
          next.technicianId ?? null,
          next.updatedAt,
          nextDue(next),
          next.closeOut?.actualFaultId ?? null,
          done?.at ?? null,
          done?.technicianId ?? null,
          done?.workloadCoefficient ?? null,
          next.machineDown ? 1 : 0,
          searchText(next),
          current.id,
          current.version,
        ],
      );
      if (changed !== 1) throw new VersionConflictError(`ticket ${current.number} changed meanwhile; reload it`);
      return next;
    });
  }

  async workload(from: string, to: string): Promise<{ technicianId: string; tickets: number; workload: number }[]> {
    const rows = await this.db.query<{ technician_id: string; n: number | string; total: number | string }>(
      `SELECT closed_out_by AS technician_id, COUNT(*) AS n, SUM(workload) AS total FROM tickets
       WHERE closed_out_at >= $1 AND closed_out_at < $2 GROUP BY closed_out_by ORDER BY SUM(workload) DESC`,
      [from, to],
    );
    return rows.map((r) => ({ technicianId: r.technician_id, tickets: Number(r.n), workload: Number(r.total) }));
  }

  async countsByFault(from: string, to: string): Promise<{ faultId: string; matched: number; actual: number }[]> {
    const matched = await this.db.query<{ f: string; n: number | string }>(
      `SELECT fault_id AS f, COUNT(*) AS n FROM tickets WHERE created_at >= $1 AND created_at < $2 AND fault_id IS NOT NULL GROUP BY fault_id`,
      [from, to],
    );
    const actual = await this.db.query<{ f: string; n: number | string }>(
      `SELECT actual_fault_id AS f, COUNT(*) AS n FROM tickets WHERE closed_out_at >= $1 AND closed_out_at < $2 AND actual_fault_id IS NOT NULL GROUP BY actual_fault_id`,
      [from, to],
    );
    const out = new Map<string, { faultId: string; matched: number; actual: number }>();
    const row = (f: string) => out.get(f) ?? out.set(f, { faultId: f, matched: 0, actual: 0 }).get(f)!;
    for (const r of matched) row(r.f).matched = Number(r.n);
    for (const r of actual) row(r.f).actual = Number(r.n);
    return [...out.values()].sort((a, b) => b.matched + b.actual - (a.matched + a.actual));
  }

  /** Tickets created in a period, for reports computed from the documents (SLA compliance). */
  async createdBetween(from: string, to: string, kind?: TicketKind): Promise<Ticket[]> {
    const rows = await this.db.query<Row>(
      `SELECT doc FROM tickets WHERE created_at >= $1 AND created_at < $2${kind ? ' AND kind = $3' : ''}`,
      kind ? [from, to, kind] : [from, to],
    );
    return rows.map((r) => JSON.parse(r.doc) as Ticket);
  }

  /** Every inspection work order (the schedule joins them to its visits). */
  async maintenanceOrders(): Promise<Ticket[]> {
    const rows = await this.db.query<Row>(`SELECT doc FROM tickets WHERE kind = 'maintenance' ORDER BY created_at`);
    return rows.map((r) => JSON.parse(r.doc) as Ticket);
  }

  /** The day of each known machine's first fault ticket: where the inspection timing comes from. */
  async firstFaultDays(): Promise<Map<string, string>> {
    const rows = await this.db.query<{ serial: string; first: string }>(
      `SELECT serial, MIN(created_at) AS first FROM tickets WHERE kind = 'fault' AND serial IS NOT NULL GROUP BY serial`,
    );
    return new Map(rows.map((r) => [r.serial, r.first.slice(0, 10)]));
  }

  /** Fault tickets since a time, as (line, day): the monthly volume a peak season is read from. */
  async faultDays(since: string): Promise<{ productLine: string; day: string }[]> {
    const rows = await this.db.query<{ product_line: string; created_at: string }>(
      `SELECT product_line, created_at FROM tickets WHERE kind = 'fault' AND created_at >= $1`,
      [since],
    );
    return rows.map((r) => ({ productLine: r.product_line, day: r.created_at.slice(0, 10) }));
  }
}

/**
 * What dispatch searches a ticket by, lower-cased in one column: the number, the contact's
 * phone (E.164, so any run of its digits matches), customer and contact names, the site
 * address, serial and model.
 */
export function searchText(t: Ticket): string {
  return [
    t.number,
    t.number.replace(/\D/g, ''),
    t.contact.phone,
    t.customer.name,
    t.contact.name,
    t.customer.site.address,
    t.equipment.serial,
    t.equipment.model,
  ]
    .filter(Boolean)
    .join(' | ')
    .toLowerCase();
}

/** A query as it is matched: lower-cased; a phone number typed with spaces, dashes or brackets becomes its digits. */
export function searchTerm(query: string): string {
  const q = query.trim().toLowerCase();
  if (/^[+\d][\d\s().-]{3,}$/.test(q) && /\d{3}/.test(q.replace(/\D/g, ''))) return q.replace(/[^\d]/g, '');
  return q;
}

/** FT-2026-000042: the year it was opened and a sequence that never repeats. */
function formatNumber(now: Date, seq: number): string {
  return `FT-${now.getUTCFullYear()}-${String(seq).padStart(6, '0')}`;
}
