import { z } from 'zod';
import { bilingual, faultId, partCode, productLineCode } from '../knowledge/schema.js';

/**
 * The maintenance service (保健服务) as data, validated like the fault manual: per
 * product line a checklist the technical department writes (what to check, how, who
 * may do it, what passes), and per service tier the plan: which schedule, how work
 * orders are clocked, and the value-added items (超值服务) of strategic lines.
 */

const review = z
  .object({ status: z.enum(['default', 'reviewed', 'draft']), note: z.string().optional(), reviewed_by: z.string().optional() })
  .strict();

export const checklistItemSchema = z
  .object({
    id: z.string().regex(/^[A-Z]{2}-I\d{2}$/, 'a checklist item id looks like PT-I01'),
    area: z.enum(['hydraulic', 'mechanical', 'electrical', 'engine', 'structure', 'safety', 'wear-parts']),
    title: bilingual,
    /** How to check it, as a procedure a technician follows on site. */
    how: bilingual,
    /** What counts as a pass; anything else is a fail that opens a fault ticket. */
    pass: bilingual,
    /** The operator may do it with the technician (and learn it); technician items never go to an operator. */
    by: z.enum(['operator', 'technician']),
    /** Wear parts to carry (and, on value-added plans, to reserve before the visit). */
    parts: z.array(partCode).default([]),
    /** Faults of the manual a failure here usually is: the linked fault ticket starts from them. */
    faults: z.array(faultId).default([]),
    /** Only on plans with the value-added service (deeper checks for strategic lines). */
    value_added: z.boolean().default(false),
  })
  .strict();
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

export const checklistFileSchema = z
  .object({
    product_line: productLineCode,
    review,
    items: z.array(checklistItemSchema).min(3, 'a checklist has at least 3 items'),
  })
  .strict();
export type Checklist = z.infer<typeof checklistFileSchema>;

const days = z.number().int().min(0).max(365);
const hours = z
  .number()
  .positive()
  .max(24 * 60);

export const planFileSchema = z
  .object({
    schedule: z
      .object({
        /** The report's schedule: months after acceptance (交验), the first kept in every plan. */
        default_months: z.array(z.number().int().min(1).max(60)).min(1),
        /** Age-based visits are planned within this many months of acceptance. */
        horizon_months: z.number().int().min(1).max(60),
        /** Inspect this many days before the month in which first faults peak. */
        lead_days: days,
        /** Two visits closer than this are merged into the earlier one. */
        min_gap_days: days,
        /** Below this many observed first faults on a line, its age-based visits stay at the default months. */
        min_first_faults: z.number().int().min(1),
        /** Below this many fault tickets in a year, no peak season is read from the line's volume. */
        min_tickets_for_season: z.number().int().min(1),
        /** A peak season is a run of months carrying at least this multiple of an even share. */
        peak_factor: z.number().min(1).max(5),
        season_lead_days: days,
        season_after_days: days,
        /** Dispatch (and the machine's contact) are reminded this many days before a visit. */
        remind_days_before: days,
      })
      .strict(),
    /** An inspection work order's clocks, like the emergency commitment's four. */
    work_order: z
      .object({
        assign_within_h: hours,
        /** On site at the latest this many days after the due date. */
        window_days: days,
        report_within_h: hours,
        follow_up_h: hours,
        at_risk_fraction: z.number().gt(0).lt(1).default(0.75),
        /** What a routine inspection counts in the workload appraisal (the grade table's scale). */
        workload_coefficient: z.number().positive().max(100),
      })
      .strict(),
    plans: z
      .array(
        z
          .object({
            tier: z.string(),
            name: bilingual,
            schedule: z.enum(['data-driven', 'default']),
            /** Months after acceptance for this tier's default schedule (a subset for lighter tiers). */
            default_months: z.array(z.number().int().min(1).max(60)).optional(),
            value_added: z
              .object({
                /** The checklist's wear parts are reserved for the machine before each visit. */
                reserved_parts: z.boolean(),
                /** Work orders go straight to the machine's named technician (CSV column `technician`). */
                named_technician: z.boolean(),
                note: bilingual.optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .min(1),
    review,
  })
  .strict();
export type PlanFile = z.infer<typeof planFileSchema>;
export type Plan = PlanFile['plans'][number];
export type ScheduleSettings = PlanFile['schedule'];
export type WorkOrderSettings = PlanFile['work_order'];
