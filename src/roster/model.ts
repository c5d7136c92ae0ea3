import { z } from 'zod';
import { productLineCode } from '../knowledge/schema.js';
import { phoneNumber } from '../tickets/model.js';

/** T-07, WANG-01 …: what API keys (`secret:technician:ID`) and tickets refer to. */
export const technicianId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a technician id is 1–32 letters, digits, "-" or "_", e.g. T-07');

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const coordinates = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).strict();
export type Coordinates = z.infer<typeof coordinates>;

/**
 * The request schemas, with `line` checking each skill: the manual's lines when the server
 * builds them (kb.productLines.schema), the code's shape alone for the OpenAPI document.
 */
export function technicianSchemas(line: z.ZodType<string> = productLineCode) {
  /** Everything about a technician except the id (PUT replaces it, PATCH changes part of it). */
  const fields = {
    name: text(200),
    phone: phoneNumber,
    /** Product lines the technician is trained for. */
    skills: z
      .array(line)
      .min(1, 'name at least one product line the technician can service')
      .max(20)
      .refine((s) => new Set(s).size === s.length, 'a product line is listed twice'),
    /** Where they usually work, in the words dispatch uses for site addresses ("Pudong", "浦东"). */
    region: text(100),
    /** Their base (depot, home), for distances to sites. */
    base: coordinates.optional(),
    active: z.boolean(),
  };

  const technicianInput = z.object({ id: technicianId, ...fields, active: fields.active.default(true) }).strict();
  const technicianReplace = z
    .object({ ...fields, active: fields.active.default(true), expectedVersion: z.number().int().min(1).optional() })
    .strict();
  const technicianPatch = z
    .object({ ...fields, expectedVersion: z.number().int().min(1) })
    .partial()
    .strict()
    .refine((p) => Object.keys(p).some((k) => k !== 'expectedVersion'), 'send at least one field to change');
  return { technicianInput, technicianReplace, technicianPatch };
}

export const { technicianInput, technicianReplace, technicianPatch } = technicianSchemas();

export type TechnicianInput = z.infer<typeof technicianInput>;

export interface Technician extends TechnicianInput {
  version: number;
  createdAt: string;
  updatedAt: string;
}
