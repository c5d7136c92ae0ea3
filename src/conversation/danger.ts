import { z } from 'zod';
import { Clause, clauses, compile, type Negation, type Phrase } from './phrases.js';
import { readVocabulary } from './vocabulary-file.js';

/** knowledge/conversation/danger.yaml: what makes a message an emergency (see the file's header). */
const phrases = z.array(z.string().trim().min(1)).default([]);
const bilingual = z.object({ en: phrases, zh: phrases }).partial().strict().default({});
const together = z
  .object({ en: z.array(z.array(phrases).min(2)).default([]), zh: z.array(z.array(phrases).min(2)).default([]) })
  .partial()
  .strict()
  .default({});
const negationSide = z.object({ words: phrases, reach: z.number().int().min(0).max(10), except: phrases }).strict();

export const EMERGENCY_NUMBER_NAMES = ['fire', 'ambulance', 'police', 'traffic', 'power'] as const;

export const dangerFile = z
  .object({
    negation: z.object({ en: negationSide, zh: negationSide }).strict(),
    kinds: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z][a-z-]*$/),
            numbers: z.array(z.enum(EMERGENCY_NUMBER_NAMES)).min(1),
            cues: bilingual,
            /** Cues that name the situation beyond doubt ("着火", "in flames"): an `unless` phrase does not cancel them. */
            sure: bilingual,
            together,
            unless: bilingual,
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    const ids = new Set<string>();
    f.kinds.forEach((k, i) => {
      if (ids.has(k.id)) ctx.addIssue({ code: 'custom', path: ['kinds', i, 'id'], message: `duplicate kind "${k.id}"` });
      ids.add(k.id);
      if (
        !k.cues.en?.length &&
        !k.cues.zh?.length &&
        !k.sure.en?.length &&
        !k.sure.zh?.length &&
        !k.together.en?.length &&
        !k.together.zh?.length
      ) {
        ctx.addIssue({ code: 'custom', path: ['kinds', i], message: 'a kind needs cues or together groups' });
      }
    });
  });

export type DangerFile = z.infer<typeof dangerFile>;
export type EmergencyNumberName = (typeof EMERGENCY_NUMBER_NAMES)[number];

export interface DangerFinding {
  /** The kinds of emergency the message names, in the file's order (fire, injury …). */
  kinds: string[];
  /** The emergency numbers to give, most relevant first, without repeats. */
  numbers: EmergencyNumberName[];
  /** The words that made it an emergency (for logs and tests; never the whole message). */
  cue: string;
}

interface CompiledKind {
  id: string;
  numbers: EmergencyNumberName[];
  cues: Phrase[];
  sure: Phrase[];
  together: Phrase[][][];
  unless: Phrase[];
}

/**
 * The danger detector: runs on every message before anything else. A message is an
 * emergency when one of its clauses names an emergency situation that is not negated
 * ("no one is hurt") and not a known fault description ("black smoke from the exhaust").
 */
export class DangerDetector {
  private readonly kinds: CompiledKind[];
  private readonly negation: Negation;

  constructor(file: DangerFile) {
    this.negation = file.negation;
    this.kinds = file.kinds.map((k) => ({
      id: k.id,
      numbers: k.numbers,
      cues: compile([...(k.cues.en ?? []), ...(k.cues.zh ?? [])]),
      sure: compile([...(k.sure.en ?? []), ...(k.sure.zh ?? [])]),
      together: [...(k.together.en ?? []), ...(k.together.zh ?? [])].map((group) => group.map((words) => compile(words))),
      unless: compile([...(k.unless.en ?? []), ...(k.unless.zh ?? [])]),
    }));
  }

  static load(knowledgeDir: string): DangerDetector {
    return new DangerDetector(readVocabulary(knowledgeDir, 'danger.yaml', dangerFile));
  }

  detect(text: string): DangerFinding | undefined {
    const found: { kind: CompiledKind; cue: string }[] = [];
    for (const c of clauses(text.slice(0, 10_000)).map((t) => new Clause(t))) {
      for (const kind of this.kinds) {
        if (found.some((f) => f.kind === kind)) continue;
        // "冒黑烟着火了": the exhaust-smoke exception does not cancel a fire said in so many words.
        const sure = kind.sure.find((p) => c.hasMeant(p, this.negation));
        if (sure) {
          found.push({ kind, cue: sure.source });
          continue;
        }
        if (kind.unless.some((p) => c.has(p))) continue;
        const cue = kind.cues.find((p) => c.hasMeant(p, this.negation));
        if (cue) {
          found.push({ kind, cue: cue.source });
          continue;
        }
        const group = kind.together.find((lists) => lists.every((list) => list.some((p) => c.hasMeant(p, this.negation))));
        if (group) found.push({ kind, cue: group.map((list) => list.find((p) => c.hasMeant(p, this.negation))!.source).join(' … ') });
      }
    }
    if (found.length === 0) return undefined;
    const ordered = this.kinds.filter((k) => found.some((f) => f.kind === k));
    return {
      kinds: ordered.map((k) => k.id),
      numbers: [...new Set(ordered.flatMap((k) => k.numbers))],
      cue: found.map((f) => f.cue).join(', '),
    };
  }
}
