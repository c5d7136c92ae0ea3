import type { SuggestionEngine, SuggestResponse } from '../retrieval/engine.js';
import { calibrationMetrics, type CalibrationMetrics } from './calibration-metrics.js';
import type { EvalQuery } from './query-set.js';

export interface QueryOutcome {
  query: EvalQuery;
  response: SuggestResponse;
  /** 1-based rank of the first expected id among the results, or undefined. */
  rank?: number;
  ms: number;
}

/** The figures of one group of queries (all of them, or one tag). */
export interface GroupReport {
  n: number;
  in_scope: number;
  out_of_scope: number;
  recall_at_1: number;
  recall_at_3: number;
  abstain_accuracy: number;
  false_abstain_rate: number;
}

export interface EvalReport extends GroupReport {
  mrr: number;
  /** Share of in-scope queries answered (not abstained) with a correct top-3. */
  answered_correct_at_3: number;
  /** Share of lines carrying an `intent` whose request the engine named correctly (absent when none carry one). */
  intent_accuracy?: number;
  calibration: CalibrationMetrics;
  by_tag?: Record<string, GroupReport>;
  p50_ms: number;
  p95_ms: number;
  embedder: string;
  /** How often the sentence encoder was asked: of the queries ranked as faults, the share embedded (needsDenseChannel). */
  encoder_use?: { ranked: number; embedded: number; share: number };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Texts unlike any query, so warming up does not fill the query-embedding cache with answers. */
const WARM_UP = ['warm up the model', 'engine check', '预热', 'hydraulic pressure test', 'boom lift test'];

/**
 * Runs every query through the engine, warm (a few untimed queries first, as a running
 * server would be), and measures ranking quality and abstention. Recall counts the
 * ranked list even when the engine abstained: ranking and abstention are reported apart.
 */
export async function evaluate(engine: SuggestionEngine, queries: EvalQuery[], embedder: string) {
  for (const text of WARM_UP) await engine.suggest(text, { limit: 10 });
  const before = { ...engine.encoderUse };
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    const t0 = performance.now();
    const response = await engine.suggest(query.text, { productLine: query.productLine, limit: 10 });
    const ms = performance.now() - t0;
    const idx = response.results.findIndex((r) => query.expect.includes(r.id));
    outcomes.push({ query, response, rank: idx >= 0 ? idx + 1 : undefined, ms });
  }
  const ranked = engine.encoderUse.ranked - before.ranked;
  const embedded = engine.encoderUse.embedded - before.embedded;
  const report: EvalReport = {
    ...summarise(outcomes, embedder),
    encoder_use: { ranked, embedded, share: ranked === 0 ? 0 : round(embedded / ranked) },
  };
  return { report, outcomes };
}

/** Whether the engine's first answer is right: an expected fault in scope, nothing for out-of-scope text. */
export function topIsCorrect(o: QueryOutcome): boolean {
  return o.query.expect.length > 0 && o.rank === 1;
}

function group(outcomes: QueryOutcome[]): GroupReport {
  const inScope = outcomes.filter((o) => o.query.expect.length > 0);
  const oos = outcomes.filter((o) => o.query.expect.length === 0);
  return {
    n: outcomes.length,
    in_scope: inScope.length,
    out_of_scope: oos.length,
    recall_at_1: share(inScope, (o) => o.rank === 1),
    recall_at_3: share(inScope, (o) => o.rank !== undefined && o.rank <= 3),
    abstain_accuracy: share(oos, (o) => o.response.abstain),
    false_abstain_rate: share(inScope, (o) => o.response.abstain),
  };
}

export function summarise(outcomes: QueryOutcome[], embedder: string): EvalReport {
  const inScope = outcomes.filter((o) => o.query.expect.length > 0);
  const withIntent = outcomes.filter((o) => o.query.intent !== undefined);
  const tags = [...new Set(outcomes.flatMap((o) => o.query.tags ?? []))].sort();
  const times = outcomes.map((o) => o.ms);
  return {
    ...group(outcomes),
    mrr: inScope.length === 0 ? 0 : round(inScope.reduce((s, o) => s + (o.rank ? 1 / o.rank : 0), 0) / inScope.length),
    answered_correct_at_3: share(inScope, (o) => !o.response.abstain && o.rank !== undefined && o.rank <= 3),
    ...(withIntent.length > 0 ? { intent_accuracy: share(withIntent, (o) => o.response.intent?.id === o.query.intent) } : {}),
    calibration: calibrationMetrics(
      outcomes.map((o) => ({ confidence: o.response.confidence, correct: topIsCorrect(o), answered: !o.response.abstain })),
    ),
    ...(tags.length > 0
      ? { by_tag: Object.fromEntries(tags.map((t) => [t, group(outcomes.filter((o) => o.query.tags?.includes(t)))])) }
      : {}),
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    embedder,
  };
}

/** One line of `eval --details`: what the engine made of one query. */
export function outcomeDetails(o: QueryOutcome) {
  const r = o.response;
  return {
    text: o.query.text,
    expected: o.query.expect,
    ...(o.query.intent ? { expected_intent: o.query.intent } : {}),
    ...(o.query.productLine ? { productLine: o.query.productLine } : {}),
    tags: o.query.tags ?? [],
    top: r.results.slice(0, 3).map((x) => ({ id: x.id, score: x.score })),
    rank: o.rank ?? null,
    confidence: r.confidence,
    abstain: r.abstain,
    reason: r.reason ?? null,
    intent: r.intent?.id ?? null,
    ...(r.plausibleLines ? { plausibleLines: r.plausibleLines } : {}),
  };
}

function share<T>(xs: T[], pred: (x: T) => boolean): number {
  return xs.length === 0 ? 0 : round(xs.filter(pred).length / xs.length);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
