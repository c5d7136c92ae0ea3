import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z, type ZodType, type ZodTypeDef } from 'zod';
import { bilingual } from '../knowledge/schema.js';
import { compiles, readModelCodes, type ModelCodes } from './model-codes.js';

/**
 * The retrieval engine's own vocabularies, kept as data beside the manual and validated
 * the same way: the non-fault requests it recognises (knowledge/intents.yaml), the
 * cue words of its message analysis (knowledge/message-cues.yaml) and the machines we
 * do not service (knowledge/other-equipment.yaml).
 */

const phrase = z.string().trim().min(1, 'must not be empty');
const phrases = z.array(phrase);
const perLanguage = z.object({ en: phrases, zh: phrases }).strict();

/** Where a non-fault request goes; the bot and the panel act on these. */
export const INTENT_ROUTES = ['parts-desk', 'office', 'own-ticket', 'person', 'conversation'] as const;
export type IntentRoute = (typeof INTENT_ROUTES)[number];

const cueSchema = z
  .object({
    text: phrase,
    /**
     * 2: the cue alone makes the request clear; 1: it needs company; 3: decisive, no fault
     * report uses it ("invoice number", 采购, "in stock"): the request wins even beside fault words.
     */
    weight: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(1),
  })
  .strict();

const patternSchema = z
  .object({
    /** A regular expression over the lower-cased text, e.g. a ticket number's format. */
    regex: z.string().min(1).refine(compiles, 'not a valid regular expression'),
    weight: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(1),
  })
  .strict();

export const intentSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'intent ids are lower-case words joined by hyphens'),
    route: z.enum(INTENT_ROUTES),
    title: bilingual,
    /** Greetings and thanks: they win only when the message says nothing else. */
    social: z.boolean().default(false),
    /** A strong cue of this request wins even when the message also describes a fault. */
    beats_fault: z.boolean().default(false),
    cues: z.object({ en: z.array(cueSchema).min(1), zh: z.array(cueSchema).min(1) }).strict(),
    patterns: z.array(patternSchema).default([]),
    examples: z.object({ en: phrases.min(3, 'at least 3 examples'), zh: phrases.min(3, 'at least 3 examples') }).strict(),
  })
  .strict();
export type Intent = z.infer<typeof intentSchema>;

export const intentsFileSchema = z
  .object({ intents: z.array(intentSchema).min(1) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.intents.forEach((intent, i) => {
      if (seen.has(intent.id)) ctx.addIssue({ code: 'custom', path: ['intents', i, 'id'], message: `duplicate intent id ${intent.id}` });
      seen.add(intent.id);
    });
  });

export const messageCuesSchema = z
  .object({
    clause_breaks: perLanguage,
    symptom: perLanguage,
    not_symptom: perLanguage,
    fine: perLanguage,
    not_the: perLanguage,
    primary: perLanguage,
    minor: perLanguage,
    incidental: perLanguage,
    subject_markers: perLanguage,
    danger: perLanguage,
    /**
     * Words that open a clause without judging anything ("ok, what about my roller"):
     * a "fine" word at the start of a clause that is one of these does not rule anything out.
     */
    discourse: perLanguage.default({ en: [], zh: [] }),
    /** When it happened ("since this morning", "after lunch", "打着打着"): story, not which fault. */
    story: perLanguage.default({ en: [], zh: [] }),
    /** Operator idioms read as the plain words the manual uses ("fire it up" → "start it"). */
    idioms: z
      .object({
        en: z.array(z.object({ say: phrase, means: phrase }).strict()),
        zh: z.array(z.object({ say: phrase, means: phrase }).strict()),
      })
      .strict()
      .default({ en: [], zh: [] }),
    /** Operators' shorthand read as the words it stands for ("hyd" → "hydraulic", "o/r" → "outrigger"). */
    shorthand: z
      .object({
        en: z.array(z.object({ say: phrase, means: phrase }).strict()),
        zh: z.array(z.object({ say: phrase, means: phrase }).strict()),
      })
      .strict()
      .default({ en: [], zh: [] }),
    /**
     * Phrases read as one word by the lexical channel, in the manual's phrasings and the
     * message alike ("won't stop" → "nonstop"): their words alone would say the opposite.
     */
    lexical_forms: z
      .object({
        en: z.array(z.object({ say: phrase, means: phrase }).strict()),
        zh: z.array(z.object({ say: phrase, means: phrase }).strict()),
      })
      .strict()
      .default({ en: [], zh: [] }),
  })
  .strict();
export type MessageCues = z.infer<typeof messageCuesSchema>;

export const otherEquipmentSchema = z
  .object({
    equipment: z.array(z.object({ kind: phrase, names: z.object({ en: phrases, zh: phrases }).strict() }).strict()).min(1),
    /** Names the manual also uses for a part of ours ("loader", 发电机): read as another machine only by the words around them. */
    by_context: z.object({ en: phrases, zh: phrases }).strict().default({ en: [], zh: [] }),
  })
  .strict();
export type OtherEquipment = z.infer<typeof otherEquipmentSchema>;

export interface LanguageData {
  intents: Intent[];
  cues: MessageCues;
  /** Names of machines we do not service (other-equipment.yaml plus service-policy's other_machines). */
  otherEquipment: string[];
  /** Other machines' names the manual also uses for a part of ours: decided by the words around them. */
  otherEquipmentByContext: string[];
  /** Model codes and maker names per product line (knowledge/model-codes.yaml; optional file). */
  modelCodes?: ModelCodes;
}

export interface LanguageDataProblem {
  file: string;
  field?: string;
  message: string;
}

function readYaml<T>(dir: string, name: string, schema: ZodType<T, ZodTypeDef, unknown>, problems: LanguageDataProblem[]): T | undefined {
  const file = join(dir, name);
  if (!existsSync(file)) {
    problems.push({ file: name, message: 'missing (the retrieval engine needs it; copy it from the shipped knowledge/)' });
    return undefined;
  }
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) problems.push({ file: name, message: `YAML syntax: ${e.message}` });
    return undefined;
  }
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    problems.push({
      file: name,
      field: issue.path
        .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
        .join('')
        .replace(/^\./, ''),
      message: issue.message,
    });
  }
  return undefined;
}

/** Reads and validates the engine's vocabularies; every problem is reported, none thrown. */
export function inspectLanguageData(knowledgeDir: string): { data?: LanguageData; problems: LanguageDataProblem[] } {
  const problems: LanguageDataProblem[] = [];
  const intents = readYaml(knowledgeDir, 'intents.yaml', intentsFileSchema, problems);
  const cues = readYaml(knowledgeDir, 'message-cues.yaml', messageCuesSchema, problems);
  const other = readYaml(knowledgeDir, 'other-equipment.yaml', otherEquipmentSchema, problems);
  const models = readModelCodes(knowledgeDir);
  for (const p of models.problems) problems.push({ file: 'model-codes.yaml', ...p });
  if (!intents || !cues || !other || !models.data) return { problems };
  const otherEquipment = other.equipment.flatMap((e) => [...e.names.en, ...e.names.zh]);
  const otherEquipmentByContext = [...other.by_context.en, ...other.by_context.zh];
  return { data: { intents: intents.intents, cues, otherEquipment, otherEquipmentByContext, modelCodes: models.data }, problems };
}

export function loadLanguageData(knowledgeDir: string): LanguageData {
  const { data, problems } = inspectLanguageData(knowledgeDir);
  if (!data) {
    const lines = problems.map((p) => `  ${[p.file, p.field].filter(Boolean).join(' › ')}: ${p.message}`);
    throw new Error(`The retrieval vocabularies in ${knowledgeDir} have ${problems.length} problem(s):\n${lines.join('\n')}`);
  }
  return data;
}
