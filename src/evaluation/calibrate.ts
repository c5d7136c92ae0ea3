import type { SuggestionEngine } from '../retrieval/engine.js';
import { confidence, type AbstainModel, type Calibration, type FeatureVector } from '../retrieval/calibration.js';
import { chooseOptions, fitConfidence, type CrossValidated } from './fit-confidence.js';
import type { EvalQuery } from './query-set.js';

/** Most acceptable share of in-scope queries abstained on when picking the threshold (target ≤ 4 %). */
const MAX_FALSE_ABSTAIN = 0.03;
/** Fewest samples of a channel mix to fit it a model of its own. */
const MIN_SEPARATE = 150;

export interface Sample {
  f: FeatureVector;
  y: 0 | 1;
  inScope: boolean;
}

export interface CalibrationSamples {
  hybrid: Sample[];
  lexical: Sample[];
  inScopeTotal: number;
  /** In-scope queries answered without a ranking (they abstain whatever the model). */
  inScopeUnranked: number;
}

/**
 * The evidence of each calibration query and whether the first answer is right
 * (positive = an in-scope query whose expected fault ranks first; negative = an
 * out-of-scope query, or an in-scope one answered wrongly). Queries the engine already
 * answers without a ranking (requests, machines we do not service) do not take part,
 * nor do queries expecting entries the loaded manual lacks.
 */
export async function collectSamples(engine: SuggestionEngine, queries: EvalQuery[]): Promise<CalibrationSamples> {
  const out: CalibrationSamples = { hybrid: [], lexical: [], inScopeTotal: 0, inScopeUnranked: 0 };
  for (const q of queries) {
    // A query about an entry this manual does not have (yet) says nothing about this manual's confidence.
    if (q.expect.length > 0 && !q.expect.some((id) => engine.kb.faultsById.has(id))) continue;
    const { response, evidence } = await engine.explain(q.text, { productLine: q.productLine, limit: 3 });
    const inScope = q.expect.length > 0;
    if (inScope) out.inScopeTotal++;
    if (!evidence || response.reason === 'intent') {
      if (inScope) out.inScopeUnranked++;
      continue;
    }
    const y = inScope && q.expect.includes(response.results[0]?.id ?? '') ? 1 : 0;
    (evidence.hybrid ? out.hybrid : out.lexical).push({ f: evidence.features, y, inScope });
  }
  return out;
}

export interface CalibrationReport {
  calibration: Calibration;
  /** The cross-validated candidates of each fitted model (one when shared), the chosen one first. */
  crossValidation: { model: 'shared' | 'hybrid' | 'lexicalOnly'; chosen: CrossValidated; tried: CrossValidated[] }[];
}

/**
 * Fits the confidence model on calibration query sets: the probability that the first
 * answer is right, with a fit that makes wrong answers above 0.9 cost extra
 * (src/evaluation/fit-confidence.ts; penalty and L2 strength by cross-validation). Then
 * the abstention threshold: the highest that keeps abstentions on in-scope queries
 * within budget.
 */
export async function calibrate(
  engine: SuggestionEngine,
  queries: EvalQuery[],
  embedder: string,
  source: string,
): Promise<CalibrationReport> {
  return fitCalibration(await collectSamples(engine, queries), embedder, source);
}

export function fitCalibration(samples: CalibrationSamples, embedder: string, source: string): CalibrationReport {
  const { hybrid, lexical, inScopeTotal, inScopeUnranked } = samples;
  const budget = Math.max(0, Math.floor(inScopeTotal * MAX_FALSE_ABSTAIN) - inScopeUnranked);
  const all = [...hybrid, ...lexical];
  // The encoder is asked only where the lexical evidence does not decide, so few queries
  // are hybrid: below MIN_SEPARATE samples one model (with the similarity feature at 0
  // when not embedded) serves both mixes. Without a dense model every query is lexical-only.
  const separate = hybrid.length >= MIN_SEPARATE && lexical.length >= MIN_SEPARATE;
  const crossValidation: CalibrationReport['crossValidation'] = [];
  const fit = (model: 'shared' | 'hybrid' | 'lexicalOnly', s: Sample[]) => {
    const { model: fitted, chosen, tried } = fitModel(s, budget, all.length);
    crossValidation.push({ model, chosen, tried });
    return { fitted, chosen };
  };
  const shared = separate ? undefined : fit('shared', all);
  const hybridFit = shared ?? fit('hybrid', hybrid);
  const lexicalFit = shared ?? fit('lexicalOnly', lexical);
  const how = (c: CrossValidated) => `penalty ${c.options.penalty}, L2 ${c.options.l2}`;
  return {
    calibration: {
      embedder,
      fittedOn:
        `${source} (${hybrid.length} hybrid, ${lexical.length} lexical-only samples${separate ? '' : '; one model for both'}; ` +
        `penalised log-loss, ${shared ? how(shared.chosen) : `hybrid ${how(hybridFit.chosen)}, lexical-only ${how(lexicalFit.chosen)}`}, chosen by 5-fold cross-validation)`,
      hybrid: hybridFit.fitted,
      lexicalOnly: lexicalFit.fitted,
    },
    crossValidation,
  };
}

/** `budget`: in-scope abstentions allowed over all samples; each model gets its share. */
function fitModel(
  samples: Sample[],
  budget: number,
  allSamples: number,
): { model: AbstainModel; chosen: CrossValidated; tried: CrossValidated[] } {
  if (samples.length === 0 || samples.every((s) => s.y === samples[0]!.y)) {
    throw new Error('calibration needs right and wrong answers for every channel mix (English and Chinese, in scope and out of scope)');
  }
  const { chosen, tried } = chooseOptions(samples);
  const { weights, bias } = fitConfidence(samples, chosen.options);
  const model = { weights, bias, threshold: 0.5 };
  const inScope = samples
    .filter((s) => s.inScope)
    .map((s) => confidence(model, s.f))
    .sort((a, b) => a - b);
  const allowed = Math.floor((budget * samples.length) / Math.max(1, allSamples));
  const threshold = Math.min(0.9, Math.max(0.02, (inScope[allowed] ?? 0.5) - 1e-6));
  return { model: { weights: weights.map(r4), bias: r4(bias), threshold: r4(threshold) }, chosen, tried };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
