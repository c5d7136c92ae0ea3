import { randomUUID } from 'node:crypto';
import type { Database } from '../storage/database.js';
import type { ProductLineCode } from '../knowledge/schema.js';
import { canonicalSerial, type Machine } from './model.js';

interface Row {
  serial: string;
  model: string;
  product_line: string;
  customer_id: string;
  customer: string;
  site: string;
  accepted_on: string;
  warranty_months: number | string;
  warranty_end: string;
  contact_phone: string | null;
  plan: string;
  technician_id: string | null;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT e.*, c.name AS customer FROM equipment e JOIN customers c ON c.id = e.customer_id`;

/** A customer is one organisation however its name is spaced or cased in a file. */
export const customerKey = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

export type MachineInput = Omit<Machine, 'customerId' | 'createdAt' | 'updatedAt'>;

export interface UpsertResult {
  imported: number;
  updated: number;
  unchanged: number;
}

/** Customers and machines. An import is one transaction: all of a file, or nothing. */
export class EquipmentStore {
  constructor(private readonly db: Database) {}

  async upsertAll(machines: readonly MachineInput[], at: string): Promise<UpsertResult> {
    return this.db.transaction(async (tx) => {
      const result: UpsertResult = { imported: 0, updated: 0, unchanged: 0 };
      const customerIds = new Map<string, string>();
      for (const m of machines) {
        const key = customerKey(m.customer);
        if (customerIds.has(key)) continue;
        const [found] = await tx.query<{ id: string }>(`SELECT id FROM customers WHERE name_key = $1`, [key]);
        const id = found?.id ?? randomUUID();
        if (!found)
          await tx.run(`INSERT INTO customers (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)`, [id, m.customer, key, at]);
        customerIds.set(key, id);
      }
      for (const m of machines) {
        const customerId = customerIds.get(customerKey(m.customer))!;
        const values = [
          m.model,
          m.productLine,
          customerId,
          m.site,
          m.acceptedOn,
          m.warrantyMonths,
          m.warrantyEnd,
          m.contactPhone ?? null,
          m.plan,
          m.technicianId ?? null,
        ];
        const [current] = await tx.query<Row>(`SELECT * FROM equipment WHERE serial = $1`, [m.serial]);
        if (!current) {
          await tx.run(
            `INSERT INTO equipment (serial, model, product_line, customer_id, site, accepted_on, warranty_months, warranty_end,
               contact_phone, plan, technician_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
            [m.serial, ...values, at],
          );
          result.imported++;
          continue;
        }
        const before = [
          current.model,
          current.product_line,
          current.customer_id,
          current.site,
          current.accepted_on,
          Number(current.warranty_months),
          current.warranty_end,
          current.contact_phone,
          current.plan,
          current.technician_id,
        ];
        if (before.every((v, i) => v === values[i])) {
          result.unchanged++;
          continue;
        }
        await tx.run(
          `UPDATE equipment SET model = $2, product_line = $3, customer_id = $4, site = $5, accepted_on = $6, warranty_months = $7,
             warranty_end = $8, contact_phone = $9, plan = $10, technician_id = $11, updated_at = $12 WHERE serial = $1`,
          [m.serial, ...values, at],
        );
        result.updated++;
      }
      return result;
    });
  }

  async get(serial: string): Promise<Machine | undefined> {
    const [row] = await this.db.query<Row>(`${SELECT} WHERE e.serial = $1`, [canonicalSerial(serial)]);
    return row ? toMachine(row) : undefined;
  }

  /** Machines for lists and the schedule; `q` matches the start of a serial or a part of the customer's name. */
  async list(filter: { productLine?: ProductLineCode; q?: string; limit?: number } = {}): Promise<Machine[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.productLine) {
      params.push(filter.productLine);
      where.push(`e.product_line = $${params.length}`);
    }
    if (filter.q) {
      const q = filter.q.trim();
      params.push(`${canonicalSerial(q).replace(/[%_\\]/g, '\\$&')}%`, `%${customerKey(q).replace(/[%_\\]/g, '\\$&')}%`);
      where.push(`(e.serial LIKE $${params.length - 1} ESCAPE '\\' OR c.name_key LIKE $${params.length} ESCAPE '\\')`);
    }
    params.push(Math.min(filter.limit ?? 10_000, 10_000));
    const rows = await this.db.query<Row>(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.serial LIMIT $${params.length}`,
      params,
    );
    return rows.map(toMachine);
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM equipment`);
    return Number(row?.n ?? 0);
  }
}

function toMachine(r: Row): Machine {
  return {
    serial: r.serial,
    model: r.model,
    productLine: r.product_line as ProductLineCode,
    customerId: r.customer_id,
    customer: r.customer,
    site: r.site,
    acceptedOn: r.accepted_on,
    warrantyMonths: Number(r.warranty_months),
    warrantyEnd: r.warranty_end,
    contactPhone: r.contact_phone ?? undefined,
    plan: r.plan,
    technicianId: r.technician_id ?? undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
