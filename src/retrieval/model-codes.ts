import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { ProductLineCode } from '../knowledge/schema.js';
import { normaliseText, PhraseSet, type PhraseHit } from './phrases.js';

/**
 * Machines named by their model code or maker ("my QTZ80 won't slew", "HBT60 堵管",
 * "our W2000", "Vögele Super 1800-3"): knowledge/model-codes.yaml lists, per product line,
 * regular expressions for its model series and maker names. The product-line detector
 * reads them where no machine is named by word, and every code found is blanked from what
 * is matched, so a model number is never evidence for a fault.
 */

const phrase = z.string().trim().min(1, 'must not be empty');

/** Whether a vocabulary's regular expression compiles (with the `u` flag, as it is used). */
export function compiles(source: string): boolean {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}

export const modelCodesSchema = z
  .object({
    lines: z.array(
      z
        .object({
          line: z.string().regex(/^[A-Z]{2,4}$/, 'a product line code (PT, CP …)'),
          patterns: z.array(
            z
              .string()
              .min(1)
              .refine(compiles, 'not a valid regular expression')
              // A pattern without a digit would match a plain word ("w", "super").
              .refine((p) => /\\d|[0-9]/.test(p), 'a model-code pattern must require a digit'),
          ),
          names: z.array(phrase).default([]),
        })
        .strict(),
    ),
  })
  .strict();
export type ModelCodes = z.infer<typeof modelCodesSchema>;

/** Reads knowledge/model-codes.yaml; a missing file is no model codes (not an error). */
export function readModelCodes(knowledgeDir: string): { data?: ModelCodes; problems: { field?: string; message: string }[] } {
  const file = join(knowledgeDir, 'model-codes.yaml');
  if (!existsSync(file)) return { data: { lines: [] }, problems: [] };
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) return { problems: doc.errors.map((e) => ({ message: `YAML syntax: ${e.message}` })) };
  const parsed = modelCodesSchema.safeParse(doc.toJS());
  if (parsed.success) return { data: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.map((i) => ({
      field: i.path
        .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
        .join('')
        .replace(/^\./, ''),
      message: i.message,
    })),
  };
}

export interface ModelHit extends PhraseHit {
  line: ProductLineCode;
}

export class ModelCodeReader {
  private readonly patterns: { line: ProductLineCode; re: RegExp }[];
  private readonly names: PhraseSet;
  private readonly nameLine = new Map<string, ProductLineCode>();

  /** @param known the product lines of the manual: entries for other codes are ignored */
  constructor(codes: ModelCodes, known: (line: string) => boolean) {
    const lines = codes.lines.filter((l) => known(l.line));
    // A whole code: not inside a longer run of Latin letters and digits (a Chinese character beside it is fine).
    this.patterns = lines.flatMap((l) =>
      l.patterns.map((p) => ({ line: l.line, re: new RegExp(`(?<![a-z0-9])(?:${p})(?![a-z0-9])`, 'gu') })),
    );
    for (const l of lines) for (const n of l.names) this.nameLine.set(normaliseText(n).trim(), l.line);
    this.names = new PhraseSet([...this.nameLine.keys()]);
  }

  /** Every model code and maker name in the (normalised) text, with the line it names; overlapping hits keep the longest. */
  find(text: string): ModelHit[] {
    const hits: ModelHit[] = [];
    for (const { line, re } of this.patterns) {
      for (const m of text.matchAll(re)) hits.push({ phrase: m[0], start: m.index, end: m.index + m[0].length, line });
    }
    for (const h of this.names.find(text)) {
      const line = this.nameLine.get(h.phrase) ?? this.nameLine.get(h.phrase.replace(/(es|s)$/, ''));
      if (line) hits.push({ ...h, line });
    }
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    const out: ModelHit[] = [];
    for (const h of hits) if (!out.some((o) => h.start < o.end && o.start < h.end)) out.push(h);
    return out;
  }

  /** The words of the maker names (known to the spelling corrector: "wirtgen" is not a typo). */
  get nameWords(): string[] {
    return [...this.nameLine.keys()];
  }
}
