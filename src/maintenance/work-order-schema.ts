import { z } from 'zod';

export const ITEM_RESULTS = ['pass', 'fail', 'not-applicable'] as const;

const note = z.string().trim().min(1, 'must not be empty').max(2000, 'at most 2000 characters');

/** The inspection form: every checklist item, and what the customer needs (the report's 用户沟通). */
export const inspectionResultSchema = z
  .object({
    items: z
      .array(
        z
          .object({
            id: z.string().max(10),
            result: z.enum(ITEM_RESULTS),
            /** What was found; required for a fail, it becomes the fault ticket's description. */
            note: note.optional(),
            /** For a fail: the machine cannot work until it is fixed. */
            machineDown: z.boolean().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(60),
    customer: z
      .object({
        engineHours: z.number().int().min(0).max(500_000).optional(),
        hoursPerDay: z.number().min(0).max(24).optional(),
        /** The customer's busy months (1–12): their own peak season times the next visits. */
        peakMonths: z.array(z.number().int().min(1).max(12)).max(12).default([]),
        operatorTraining: z.enum(['not-needed', 'wanted', 'given']),
        satisfaction: z.number().int().min(1).max(5),
        needs: note.optional(),
      })
      .strict(),
    minutesOnSite: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 3),
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict();
export type InspectionResultInput = z.infer<typeof inspectionResultSchema>;
