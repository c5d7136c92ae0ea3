import type { SuggestionEngine, SuggestResponse } from '../retrieval/engine.js';
import type { EvalQuery } from './query-set.js';

export interface QueryOutcome {
  query: EvalQuery;
  response: SuggestResponse;
  /** 1-based rank of the first expected id among the results, or undefined. */
  rank?: number;
  ms: number;
}

export interface EvalReport {
  n: number;
  in_scope: number;
  out_of_scope: number;
  recall_at_1: number;
  recall_at_3: number;
  mrr: number;
  abstain_accuracy: number;
  false_abstain_rate: number;
  /** Share of in-scope queries answered (not abstained) with a correct top-3. */
  answered_correct_at_3: number;
  p50_ms: number;
  p95_ms: number;
  embedder: string;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Runs every query through the engine, warm (a few untimed queries first, as a running
 * server would be), and measures ranking quality and abstention. Recall counts the
 * ranked list even when the engine abstained: ranking and abstention are reported apart.
 */
/** Texts unlike any query, so warming up does not fill the query-embedding cache with answers. */
const WARM_UP = ['warm up the model', 'engine check', '预热', 'hydraulic pressure test', 'boom lift test'];

export async function evaluate(engine: SuggestionEngine, queries: EvalQuery[], embedder: string) {
  for (const text of WARM_UP) await engine.suggest(text, { limit: 10 });
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    const t0 = performance.now();
    const response = await engine.suggest(query.text, { productLine: query.productLine, limit: 10 });
    const ms = performance.now() - t0;
    const idx = response.results.findIndex((r) => query.expect.includes(r.id));
    outcomes.push({ query, response, rank: idx >= 0 ? idx + 1 : undefined, ms });
  }
  return { report: summarise(outcomes, embedder), outcomes };
}

export function summarise(outcomes: QueryOutcome[], embedder: string): EvalReport {
  const inScope = outcomes.filter((o) => o.query.expect.length > 0);
  const oos = outcomes.filter((o) => o.query.expect.length === 0);
  const share = (xs: QueryOutcome[], pred: (o: QueryOutcome) => boolean) =>
    xs.length === 0 ? 0 : round(xs.filter(pred).length / xs.length);
  const times = outcomes.map((o) => o.ms);
  return {
    n: outcomes.length,
    in_scope: inScope.length,
    out_of_scope: oos.length,
    recall_at_1: share(inScope, (o) => o.rank === 1),
    recall_at_3: share(inScope, (o) => o.rank !== undefined && o.rank <= 3),
    mrr: inScope.length === 0 ? 0 : round(inScope.reduce((s, o) => s + (o.rank ? 1 / o.rank : 0), 0) / inScope.length),
    abstain_accuracy: share(oos, (o) => o.response.abstain),
    false_abstain_rate: share(inScope, (o) => o.response.abstain),
    answered_correct_at_3: share(inScope, (o) => !o.response.abstain && o.rank !== undefined && o.rank <= 3),
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    embedder,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
