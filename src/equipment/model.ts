import { z } from 'zod';
import type { ProductLines } from '../knowledge/product-lines.js';
import type { ServicePolicy } from '../knowledge/schema.js';
import type { ProductLineCode } from '../knowledge/schema.js';
import { phoneNumber } from '../tickets/model.js';

/**
 * The installed base: machines we know by serial, with their customer, site, acceptance
 * date (交验), warranty (三包) and service plan. Dates are calendar days (YYYY-MM-DD) in
 * the organisation's calendar; times elsewhere stay ISO 8601 UTC.
 */

/** Serials are compared without case or surrounding blanks: "zl56x-0012 " is ZL56X-0012. */
export function canonicalSerial(raw: string): string {
  return raw.trim().toUpperCase();
}

export const serialSchema = z
  .string()
  .trim()
  .min(3, 'a serial number has at least 3 characters')
  .max(40, 'a serial number has at most 40 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'letters, digits and . _ / - only, starting with a letter or digit')
  .transform(canonicalSerial);

export const calendarDay = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is written YYYY-MM-DD')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'not a real calendar date',
  );

export interface Machine {
  serial: string;
  model: string;
  productLine: ProductLineCode;
  customerId: string;
  customer: string;
  site: string;
  acceptedOn: string;
  warrantyMonths: number;
  /** The last day the warranty covers. */
  warrantyEnd: string;
  /** E.164; staff only (never logged). */
  contactPhone?: string;
  /** The service tier (service-policy.yaml) this machine is served under. */
  plan: string;
  /** For plans with a dedicated technician (value-added): the roster id. */
  technicianId?: string;
  createdAt: string;
  updatedAt: string;
}

export const CSV_COLUMNS = ['serial', 'model', 'product_line', 'customer', 'site', 'accepted_on', 'warranty_months'] as const;
export const OPTIONAL_CSV_COLUMNS = ['contact_phone', 'plan', 'technician'] as const;

/**
 * One CSV row as a machine. Product lines may be written as codes (PT) or as any name
 * or alias of the service policy ("pump truck", "泵车"); plans must be a tier id.
 */
export function rowSchema(kb: { policy: ServicePolicy; productLines: ProductLines }, today: string) {
  const lineByWord = new Map<string, ProductLineCode>();
  for (const l of kb.productLines.all) {
    for (const w of [l.code, l.name.en, l.name.zh, ...l.aliases.en, ...l.aliases.zh]) lineByWord.set(w.trim().toLowerCase(), l.code);
  }
  const tiers = kb.policy.service_tiers.map((t) => t.id);
  const optional = (s: z.ZodTypeAny) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), s.optional());
  return z
    .object({
      serial: serialSchema,
      model: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
      product_line: z
        .string()
        .trim()
        .transform((v, ctx) => {
          const code = lineByWord.get(v.toLowerCase());
          if (!code)
            ctx.addIssue({
              code: 'custom',
              message: `unknown product line "${v.slice(0, 40)}" (use ${kb.productLines.codes.join(', ')})`,
            });
          return code as ProductLineCode;
        }),
      customer: z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters'),
      site: z.string().trim().min(1, 'must not be empty').max(500, 'at most 500 characters'),
      accepted_on: calendarDay.refine((d) => d <= today, 'the acceptance date is in the future'),
      warranty_months: z
        .string()
        .trim()
        .regex(/^\d{1,3}$/, 'a whole number of months')
        .transform(Number)
        .pipe(z.number().max(120, 'at most 120 months')),
      contact_phone: optional(phoneNumber),
      plan: optional(
        z
          .string()
          .trim()
          .refine((p) => tiers.includes(p), `a plan is one of the service tiers: ${tiers.join(', ')}`),
      ),
      technician: optional(
        z
          .string()
          .trim()
          .max(100, 'at most 100 characters')
          .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'a roster id such as T-07'),
      ),
    })
    .strict();
}
export type MachineRow = z.infer<ReturnType<typeof rowSchema>>;

/** The last day covered: accepted 2026-03-15 with 12 months → 2027-03-14. */
export function warrantyEnd(acceptedOn: string, months: number): string {
  return addDays(addMonths(acceptedOn, months), -1);
}

/** Calendar months later; 31 January + 1 month is the last day of February, not March. */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

export function inWarranty(m: Pick<Machine, 'warrantyEnd'>, today: string): boolean {
  return today <= m.warrantyEnd;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to.slice(0, 10)}T00:00:00Z`) - Date.parse(`${from.slice(0, 10)}T00:00:00Z`)) / 86_400_000);
}

export const today = (now: Date = new Date()) => now.toISOString().slice(0, 10);

/**
 * Whether a job on this machine is billed: inside the warranty it is not (三包), after it
 * it is; a machine we do not know leaves it to dispatch to decide.
 */
export interface Billing {
  billable: boolean | null;
  reason: string;
  warrantyEnd?: string;
}

export function billingFor(machine: Machine | undefined, day: string): Billing {
  if (!machine) return { billable: null, reason: 'machine not in the installed base: check the warranty by hand' };
  return inWarranty(machine, day)
    ? { billable: false, reason: `in warranty until ${machine.warrantyEnd}`, warrantyEnd: machine.warrantyEnd }
    : { billable: true, reason: `warranty ended ${machine.warrantyEnd}`, warrantyEnd: machine.warrantyEnd };
}
