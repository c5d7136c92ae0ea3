import type { SuggestionEngine } from '../retrieval/engine.js';
import { confidence, fitLogistic, type AbstainModel, type Calibration, type FeatureVector } from '../retrieval/calibration.js';
import type { EvalQuery } from './query-set.js';

/** Most acceptable share of in-scope queries abstained on when picking the threshold (target ≤ 4 %). */
const MAX_FALSE_ABSTAIN = 0.03;
/** Fewest samples of a channel mix to fit it a model of its own. */
const MIN_SEPARATE = 150;

interface Sample {
  f: FeatureVector;
  y: 0 | 1;
  inScope: boolean;
}

/**
 * Fits the confidence model on calibration query sets: the probability that the first
 * answer is right (positive = an in-scope query whose expected fault ranks first;
 * negative = an out-of-scope query, or an in-scope one answered wrongly). Then the
 * abstention threshold: the highest that keeps abstentions on in-scope queries within
 * budget. Queries the engine already answers without a ranking (requests, machines we do
 * not service) do not take part, nor do queries expecting entries the loaded manual lacks.
 */
export async function calibrate(engine: SuggestionEngine, queries: EvalQuery[], embedder: string, source: string): Promise<Calibration> {
  const hybrid: Sample[] = [];
  const lexical: Sample[] = [];
  let inScopeTotal = 0;
  let inScopeUnranked = 0;
  for (const q of queries) {
    // A query about an entry this manual does not have (yet) says nothing about this manual's confidence.
    if (q.expect.length > 0 && !q.expect.some((id) => engine.kb.faultsById.has(id))) continue;
    const { response, evidence } = await engine.explain(q.text, { productLine: q.productLine, limit: 3 });
    const inScope = q.expect.length > 0;
    if (inScope) inScopeTotal++;
    if (!evidence || response.reason === 'intent') {
      if (inScope) inScopeUnranked++;
      continue;
    }
    const y = inScope && q.expect.includes(response.results[0]?.id ?? '') ? 1 : 0;
    (evidence.hybrid ? hybrid : lexical).push({ f: evidence.features, y, inScope });
  }
  const budget = Math.max(0, Math.floor(inScopeTotal * MAX_FALSE_ABSTAIN) - inScopeUnranked);
  const all = [...hybrid, ...lexical];
  // The encoder is asked only where the lexical evidence does not decide, so few queries
  // are hybrid: below MIN_SEPARATE samples one model (with the similarity feature at 0
  // when not embedded) serves both mixes. Without a dense model every query is lexical-only.
  const separate = hybrid.length >= MIN_SEPARATE && lexical.length >= MIN_SEPARATE;
  const shared = separate ? undefined : fitModel(all, budget, all.length);
  return {
    embedder,
    fittedOn: `${source} (${hybrid.length} hybrid, ${lexical.length} lexical-only samples${separate ? '' : '; one model for both'})`,
    hybrid: shared ?? fitModel(hybrid, budget, all.length),
    lexicalOnly: shared ?? fitModel(lexical, budget, all.length),
  };
}

/** `budget`: in-scope abstentions allowed over all samples; each model gets its share. */
function fitModel(samples: Sample[], budget: number, allSamples: number): AbstainModel {
  if (samples.length === 0 || samples.every((s) => s.y === samples[0]!.y)) {
    throw new Error('calibration needs right and wrong answers for every channel mix (English and Chinese, in scope and out of scope)');
  }
  const { weights, bias } = fitLogistic(samples);
  const model = { weights, bias, threshold: 0.5 };
  const inScope = samples
    .filter((s) => s.inScope)
    .map((s) => confidence(model, s.f))
    .sort((a, b) => a - b);
  const allowed = Math.floor((budget * samples.length) / Math.max(1, allSamples));
  const threshold = Math.min(0.9, Math.max(0.02, (inScope[allowed] ?? 0.5) - 1e-6));
  return { weights: weights.map(r4), bias: r4(bias), threshold: r4(threshold) };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
