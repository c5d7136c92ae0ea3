import type { SuggestionEngine } from '../retrieval/engine.js';
import { confidence, fitLogistic, type AbstainModel, type Calibration, type FeatureVector } from '../retrieval/calibration.js';
import type { EvalQuery } from './query-set.js';

/** Most acceptable share of in-scope queries wrongly abstained on when picking the threshold. */
const MAX_FALSE_ABSTAIN = 0.04;

interface Sample {
  f: FeatureVector;
  y: 0 | 1;
}

/**
 * Fits the abstention models on a calibration query set: positive = in-scope query
 * whose expected fault is in the top 3, negative = out-of-scope query. In-scope
 * queries the ranking gets wrong are left out: abstaining on them is not a mistake.
 */
export async function calibrate(engine: SuggestionEngine, queries: EvalQuery[], embedder: string, source: string): Promise<Calibration> {
  const hybrid: Sample[] = [];
  const lexical: Sample[] = [];
  for (const q of queries) {
    const { response, evidence } = await engine.explain(q.text, { productLine: q.productLine, limit: 3 });
    const correct = response.results.some((r) => q.expect.includes(r.id));
    let y: 0 | 1;
    if (q.expect.length === 0) y = 0;
    else if (correct) y = 1;
    else continue;
    if (!evidence) continue; // nothing matched at all: abstains whatever the model says
    (evidence.hybrid ? hybrid : lexical).push({ f: evidence.features, y });
  }
  const lexicalOnly = fitModel(lexical);
  return {
    embedder,
    fittedOn: `${source} (${hybrid.length} hybrid, ${lexical.length} lexical-only samples)`,
    // Without a dense model (EMBEDDER=none) every query is lexical-only.
    hybrid: hybrid.length > 0 ? fitModel(hybrid) : lexicalOnly,
    lexicalOnly,
  };
}

function fitModel(samples: Sample[]): AbstainModel {
  if (samples.length === 0 || samples.every((s) => s.y === samples[0]!.y)) {
    throw new Error('calibration needs both in-scope and out-of-scope queries for every channel mix (English and Chinese)');
  }
  const { weights, bias } = fitLogistic(samples);
  const model = { weights, bias, threshold: 0.5 };
  // The highest threshold that keeps wrongly abstained in-scope queries within budget:
  // abstain as much as possible on out-of-scope text without failing real operators.
  const positives = samples.filter((s) => s.y === 1).map((s) => confidence(model, s.f)).sort((a, b) => a - b);
  const allowed = Math.floor(positives.length * MAX_FALSE_ABSTAIN);
  const threshold = Math.min(0.9, Math.max(0.05, (positives[allowed] ?? 0.5) - 1e-6));
  return { weights: weights.map(r4), bias: r4(bias), threshold: r4(threshold) };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
