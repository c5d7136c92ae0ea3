import { z } from 'zod';
import { productLineCode } from '../knowledge/schema.js';

/**
 * Request bodies that belong to no domain model (the ticket model keeps its own, the
 * ticket routes their query strings). Browser-safe like responses.ts: zod and schema
 * modules only.
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
