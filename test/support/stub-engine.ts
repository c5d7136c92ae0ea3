import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { KnowledgeBase } from '../../src/knowledge/load.js';
import { productLineCode, type ProductLineCode } from '../../src/knowledge/schema.js';
import type { SuggestionEngine, SuggestResponse, Suggestion } from '../../src/retrieval/engine.js';
import { INTENT_ROUTES } from '../../src/retrieval/language-data.js';

/**
 * A stand-in for the retrieval engine in dialog tests: machine names, other machines,
 * requests and faults found by their cue words (test/fixtures/dialog-cases/stub-manual.yaml),
 * so a dialog test decides what the engine answers and tests only the conversation.
 */
const stubManual = z
  .object({
    lines: z.record(productLineCode, z.array(z.string()).min(1)),
    others: z.array(z.string()),
    intents: z.array(z.object({ id: z.string(), route: z.enum(INTENT_ROUTES), cues: z.array(z.string()).min(1) }).strict()),
    faults: z.array(z.object({ id: z.string(), cues: z.array(z.string()).min(1), score: z.number().min(0).max(1).default(0.9) }).strict()),
  })
  .strict();
type StubManual = z.infer<typeof stubManual>;

const norm = (s: string) => s.normalize('NFKC').toLowerCase();

export class StubEngine implements Pick<SuggestionEngine, 'suggest' | 'detectMachine'> {
  private readonly manual: StubManual;

  constructor(
    file: string,
    private readonly kb: KnowledgeBase,
  ) {
    this.manual = stubManual.parse(parse(readFileSync(file, 'utf8')));
    for (const f of this.manual.faults) if (!kb.faultsById.has(f.id)) throw new Error(`stub manual: no fault ${f.id} in the manual`);
    for (const line of Object.keys(this.manual.lines))
      if (!kb.productLines.has(line)) throw new Error(`stub manual: no product line ${line} in the manual`);
  }

  detectMachine(text: string): { line?: ProductLineCode; otherMachine: boolean; faultWords: string[] } {
    let rest = norm(text);
    const named = new Set<ProductLineCode>();
    for (const [line, names] of Object.entries(this.manual.lines) as [ProductLineCode, string[]][]) {
      for (const n of [...names].sort((a, b) => b.length - a.length)) {
        if (rest.includes(norm(n))) {
          named.add(line);
          rest = rest.split(norm(n)).join(' ');
        }
      }
    }
    const other = named.size === 0 && this.manual.others.some((o) => rest.includes(norm(o)));
    // Latin words and Chinese character pairs, as the engine's tokenizer gives them.
    const latin = rest.match(/[a-z0-9]{3,}/g) ?? [];
    const pairs = (rest.match(/[\u3400-\u9fff]+/gu) ?? []).flatMap((run) => [...run].slice(1).map((ch, i) => run[i]! + ch));
    const faultWords = [...latin, ...pairs];
    return { line: named.size === 1 ? [...named][0] : undefined, otherMachine: other, faultWords };
  }

  async suggest(text: string, opts: { productLine?: ProductLineCode; limit?: number } = {}): Promise<SuggestResponse> {
    const t = norm(text);
    const base = {
      confidence: 0,
      language: /[\u3400-\u9fff]/u.test(text) ? ('zh' as const) : ('en' as const),
      results: [] as Suggestion[],
    };
    const intent = this.manual.intents.find((i) => i.cues.some((c) => t.includes(norm(c))));
    if (intent) return { ...base, abstain: true, reason: 'intent', intent: { id: intent.id, route: intent.route } };
    if (!opts.productLine && this.detectMachine(text).otherMachine) return { ...base, abstain: true, reason: 'other-machine' };
    const scored = this.manual.faults
      .map((f) => ({ f, hits: f.cues.filter((c) => t.includes(norm(c))) }))
      .filter((x) => x.hits.length > 0)
      .map(({ f, hits }) => ({ f, hits, fault: this.kb.faultsById.get(f.id)! }))
      .filter((x) => !opts.productLine || x.fault.product_line === opts.productLine)
      .sort((a, b) => b.hits.length - a.hits.length || b.f.score - a.f.score);
    const results: Suggestion[] = scored.slice(0, opts.limit ?? 5).map(({ f, hits, fault }) => ({
      id: fault.id,
      title: fault.title,
      productLine: fault.product_line,
      category: fault.category,
      selfService: fault.self_service,
      score: f.score,
      matchedPhrasing: hits[0]!,
    }));
    if (results.length === 0) return { ...base, abstain: true, reason: 'no-match' };
    return { ...base, abstain: false, confidence: results[0]!.score, results };
  }
}
