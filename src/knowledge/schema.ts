import { LANGUAGES, type Lang } from '../language/languages.js';
import { z } from 'zod';

/**
 * The fault manual as data. Every file under knowledge/ is validated against these
 * schemas; cross-file rules (unique ids, known part codes, known grades) live in
 * validate.ts because a single file cannot check them.
 */

/**
 * A product line code: two capital letters (part codes and fault ids start with it). Which
 * codes exist is the manual's business, not the code's: service-policy.yaml lists the
 * lines, the cross-file rules check every fault and stop-work list against it, and
 * `kb.productLines` (product-lines.ts) checks codes that come from outside.
 */
/** The shape of a product line code; which codes exist is the manual's (ProductLines). */
export const PRODUCT_LINE_CODE = /^[A-Z]{2}$/;
export const productLineCode = z.string().regex(PRODUCT_LINE_CODE, 'a product line code is two capital letters, such as PT');
export type ProductLineCode = string;

/** A fault id: its line's code, the category letter and a number (PT-H01); the line must exist in the manual. */
export const faultId = z.string().regex(/^[A-Z]{2}-[EMHO]\d{2}$/, 'a fault id looks like PT-H01');

export const CATEGORIES = ['electrical', 'mechanical', 'hydraulic', 'other'] as const;
export const category = z.enum(CATEGORIES);
export type Category = z.infer<typeof category>;

/** Category letter used in fault ids: PT-H01 is a hydraulic fault of a pump truck. */
export const CATEGORY_LETTER: Record<Category, string> = {
  electrical: 'E',
  mechanical: 'M',
  hydraulic: 'H',
  other: 'O',
};

const text = z.string().trim().min(1, 'must not be empty');

/** Every human-facing text exists in both languages the product serves. */
/** A text in every served language (LANGUAGES): a missing or an extra language is a validation error. */
export const bilingual = z.object(Object.fromEntries(LANGUAGES.map((l) => [l, text])) as Record<Lang, typeof text>).strict();
export type Bilingual = z.infer<typeof bilingual>;

export const gradeCode = z.string().regex(/^[ABC][1-3]$/, 'a fault grade is A3, A2, A1, B3 … C1');

export const gradeTableSchema = z
  .object({
    grades: z
      .array(
        z
          .object({
            grade: gradeCode,
            workload_coefficient: z.number().positive().max(100),
            description: bilingual,
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type GradeTable = z.infer<typeof gradeTableSchema>;

export const partCode = z
  .string()
  .regex(/^[A-Z]{2}-[A-Z]{2}-\d{4}$/, 'a part code looks like PT-HY-0012 (line-group-number)');

export const partsFileSchema = z
  .object({
    parts: z
      .array(
        z
          .object({
            code: partCode,
            name: bilingual,
            /** Wear parts are stocked on service vans; others are ordered. */
            wear_part: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

const hours = z.number().positive().max(24 * 30);

export const SERVICE_KINDS = ['emergency', 'maintenance', 'value-added'] as const;

/** Each clock is hours after ticket creation, so they must not decrease stage by stage. */
export const slaClocksSchema = z
  .object({
    respond_with_plan_h: hours,
    technician_on_site_h: hours,
    fault_fixed_h: hours,
    follow_up_h: hours,
    /** Share of a clock's window after which a ticket counts as "at risk". */
    at_risk_fraction: z.number().gt(0).lt(1).default(0.75),
  })
  .strict()
  .refine((c) => c.respond_with_plan_h <= c.technician_on_site_h && c.technician_on_site_h <= c.fault_fixed_h && c.fault_fixed_h <= c.follow_up_h, {
    message: 'clocks are hours after creation: respond ≤ on site ≤ fixed ≤ follow-up',
  });
export type SlaClocks = z.infer<typeof slaClocksSchema>;

export const serviceTierSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    name: bilingual,
    services: z.array(z.enum(SERVICE_KINDS)).min(1),
    sla: slaClocksSchema,
    /**
     * The clocks for a machine that is down (cannot work): a site stands still, so
     * respond and on-site come sooner. Absent = the same clocks as a running machine.
     */
    machine_down_sla: slaClocksSchema.optional(),
    /** Routine inspections per year under the maintenance service. */
    maintenance_visits_per_year: z.number().int().min(0).default(0),
  })
  .strict()
  .superRefine((tier, ctx) => {
    const down = tier.machine_down_sla;
    if (!down) return;
    for (const k of ['respond_with_plan_h', 'technician_on_site_h', 'fault_fixed_h', 'follow_up_h'] as const) {
      if (down[k] > tier.sla[k]) {
        ctx.addIssue({ code: 'custom', path: ['machine_down_sla', k], message: `a machine that is down must not wait longer than one that runs (${down[k]} h > ${tier.sla[k]} h)` });
      }
    }
  });

export const productLineSchema = z
  .object({
    code: productLineCode,
    name: bilingual,
    /** Words operators use for the machine; they help recognise the line in free text. */
    aliases: z.object({ en: z.array(text).min(1), zh: z.array(text).min(1) }).strict(),
    service_tier: z.string(),
  })
  .strict();
export type ProductLine = z.infer<typeof productLineSchema>;

export const servicePolicySchema = z
  .object({
    service_tiers: z.array(serviceTierSchema).min(1),
    product_lines: z.array(productLineSchema).min(1),
    /**
     * Machines this organisation does not service. A description naming one of them
     * (and none of ours) is out of scope, however fault-like its words are.
     */
    other_machines: z.object({ en: z.array(text), zh: z.array(text) }).strict().default({ en: [], zh: [] }),
  })
  .strict();
export type ServicePolicy = z.infer<typeof servicePolicySchema>;

export const ACTORS = ['operator', 'technician'] as const;
export const actor = z.enum(ACTORS);
export type Actor = z.infer<typeof actor>;

export const stepSchema = z
  .object({
    by: actor,
    en: text,
    zh: text,
    /**
     * Why an operator step that the step-text lint flags is safe as written, in a
     * reviewer's words (e.g. "the drain tap of the water separator holds no pressure").
     */
    reviewed: z.string().trim().min(10, 'say why the step is safe, in a sentence').optional(),
  })
  .strict();
export type Step = z.infer<typeof stepSchema>;

export const CAUSE_CLASSES = ['operator-error', 'needs-repair', 'part-replacement'] as const;
export const causeClass = z.enum(CAUSE_CLASSES);
export type CauseClass = z.infer<typeof causeClass>;

export const causeSchema = z
  .object({
    id: z.string().regex(/^c\d{1,2}$/, 'cause ids are c1, c2, …'),
    class: causeClass,
    title: bilingual,
    grade: gradeCode,
    parts: z.array(partCode).default([]),
    checks: z.array(stepSchema).min(1, 'every cause needs at least one check'),
    fixes: z.array(stepSchema).min(1, 'every cause needs at least one fix step'),
  })
  .strict();
export type Cause = z.infer<typeof causeSchema>;

const reviewSchema = z
  .object({
    status: z.enum(['default', 'reviewed', 'draft']),
    note: z.string().optional(),
    reviewed_by: z.string().optional(),
  })
  .strict();

export const SELF_SERVICE = ['yes', 'checks-only', 'no'] as const;

const phrasings = (min: number) => z.array(text).min(min, `at least ${min} phrasings`);

export const faultSchema = z
  .object({
    id: faultId,
    product_line: productLineCode,
    category,
    title: bilingual,
    /** What operators actually say, several ways, in both languages. */
    symptoms: z.object({ en: phrasings(4), zh: phrasings(4) }).strict(),
    self_service: z.enum(SELF_SERVICE),
    /**
     * "line" (default): a not-self-service fault gets its product line's stop-work list
     * from safety.yaml. "own": an emergency where the routine isolation would be wrong
     * (power-line contact, fire, a machine that will not stop, a utility strike, a
     * truck tipping): the entry's own safety notes are the whole first-minute
     * instructions and the line's list is not shown.
     */
    stop_work: z.enum(['line', 'own']).default('line'),
    safety: z.array(bilingual).min(1, 'every fault needs at least one safety note'),
    /** In the order a technician would check them: operator errors and cheap checks first. */
    causes: z.array(causeSchema).min(1),
    /**
     * "default" marks content written as a generic starting point; a service
     * organisation reviews it against its own machines and changes it to "reviewed".
     */
    review: reviewSchema,
  })
  .strict();
export type Fault = z.infer<typeof faultSchema>;

/** Placeholder names an emergency number is written as in texts: {fire}, {ambulance}. */
const numberName = z.string().regex(/^[a-z][a-zA-Z]*$/, 'a number name is a word such as fire or ambulance');

/** knowledge/safety.yaml: emergency numbers and per-line stop-work instructions. */
export const safetyFileSchema = z
  .object({
    emergency_numbers: z
      .object({
        review: reviewSchema,
        numbers: z
          .record(numberName, z.string().regex(/^\+?[0-9][0-9 -]{1,19}$/, 'a phone number of digits (spaces, dashes, a leading + allowed)'))
          .refine((n) => 'fire' in n && 'ambulance' in n, { message: 'fire and ambulance numbers are required' }),
      })
      .strict(),
    stop_work: z
      .object({
        review: reviewSchema,
        lines: z.record(productLineCode, z.array(bilingual).min(2, 'a stop-work list has at least two steps')),
        unknown: z.array(bilingual).min(2, 'a stop-work list has at least two steps'),
        after: z.array(bilingual).default([]),
      })
      .strict(),
  })
  .strict();
export type SafetyFile = z.infer<typeof safetyFileSchema>;

const words = z.array(text);
const bilingualWords = z.object({ en: words, zh: words }).strict();

/** knowledge/step-lint.yaml: the hazard vocabulary operator steps are checked against. */
export const stepLintSchema = z
  .object({
    hazards: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z][a-z-]*$/),
            why: bilingual,
            /** A pinch zone is safe to enter once the step itself says the machine is isolated. */
            isolation_makes_safe: z.boolean().default(false),
            en: words.min(1),
            zh: words.min(1),
          })
          .strict(),
      )
      .min(1),
    not_hazards: bilingualWords,
    negation: z
      .object({ en: words, zh: words, undone_by: bilingualWords, scope_ends: bilingualWords })
      .strict(),
    isolation: z
      .object({
        moving_parts: bilingualWords,
        not_moving_parts: bilingualWords,
        hands_on: bilingualWords,
        isolated: bilingualWords,
      })
      .strict(),
  })
  .strict();
export type StepLintVocabulary = z.infer<typeof stepLintSchema>;
