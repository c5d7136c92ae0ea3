import { z } from 'zod';
import { storableText } from '../storage/storable-text.js';
import { faultId, productLineCode } from '../knowledge/schema.js';
import { stepTriedSchema, ticketStatus } from '../tickets/model.js';

/**
 * Request bodies and query strings of the HTTP API that belong to no domain model (the
 * ticket model keeps its own: createTicketSchema, statusChangeSchema …). The routes
 * validate with them, the OpenAPI document describes them, the pages type what they
 * send with them. Browser-safe like responses.ts: zod and schema modules only.
 */

/** POST /api/suggest: what the caller says, optionally narrowed to a product line. */
export const suggestBody = z
  .object({
    text: z.string().min(1, 'text must not be empty').max(10_000, 'text is limited to 10 000 characters'),
    productLine: productLineCode.optional(),
    limit: z.number().int().min(1).max(20).optional(),
  })
  .strict();
export type SuggestBody = z.infer<typeof suggestBody>;

/** GET /api/tickets */
export const listQuery = z.object({
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.union([ticketStatus, z.literal('open')])))
    .optional(),
  productLine: productLineCode.optional(),
  technician: storableText().max(100).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  /** Machines that are down (true) or running (false) only. */
  down: z.enum(['true', 'false']).optional(),
  /** Ticket number, phone, customer, contact, site address or serial (any part of it). */
  q: z.string().trim().max(200, 'q is limited to 200 characters').optional(),
  /** created (newest first, the default), due (most urgent unmet deadline first) or priority (machines that are down first, then due). */
  sort: z.enum(['created', 'due', 'priority']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/** GET /api/reports/* */
export const periodQuery = z
  .object({
    from: z.string().datetime({ offset: true, message: 'from must be an ISO date-time' }).optional(),
    to: z.string().datetime({ offset: true, message: 'to must be an ISO date-time' }).optional(),
  })
  .strict();

/** POST /api/outcomes: a fault resolved on the phone. */
export const phoneOutcome = z
  .object({
    text: storableText().trim().min(1).max(10_000),
    productLine: productLineCode.optional(),
    faultId: faultId.optional(),
    stepsTried: z.array(stepTriedSchema).max(100).default([]),
    reference: storableText().max(200).optional(),
  })
  .strict();
export type PhoneOutcomeBody = z.input<typeof phoneOutcome>;

/** The Idempotency-Key header of POST /api/tickets. */
export const idempotencyKey = storableText().min(8, 'Idempotency-Key must be 8–200 characters').max(200).optional();

/** POST /api/knowledge-gaps: words the engine found no confident match for. */
export const gapReport = z
  .object({
    text: storableText().trim().min(1, 'text must not be empty').max(10_000),
    productLine: productLineCode.optional(),
    /** The fault the engine offered, if any, when staff judged it wrong. */
    matchedFaultId: storableText().max(10).optional(),
  })
  .strict();
export type GapReportBody = z.input<typeof gapReport>;

/** GET /api/parts: the part catalogue, of one product line or all. */
export const partsQuery = z.object({ productLine: productLineCode.optional() }).strict();
