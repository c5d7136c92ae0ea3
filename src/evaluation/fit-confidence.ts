import { FEATURES, type FeatureVector } from '../retrieval/calibration.js';
import { auroc, CONFIDENT, ece } from './calibration-metrics.js';

/**
 * The confidence model's fit (issue 13). Maximum likelihood alone rewards pushing right
 * answers past 0.9, and on sets it was not fitted on some wrong ones go along: the
 * answers shown as sure were wrong more often than the 2 % the product promises. So the
 * objective is a cost-weighted log-loss: a wrong answer also pays `penalty` ×
 * softplus(z − logit(0.9)), a log-loss whose boundary sits at 0.9 — nearly free below
 * 0.9, growing like the log-loss above it. Softplus of a linear score is convex, so the
 * whole objective stays convex and Newton's method finds its one minimum. The penalty and
 * the L2 strength are chosen by k-fold cross-validation on the calibration samples only.
 */

export interface Sample {
  f: FeatureVector;
  y: 0 | 1;
}

export interface FitOptions {
  /** Weight of the extra cost of a wrong answer above 0.9 (0: plain log-loss). */
  penalty: number;
  /** L2 strength on the weights (not the bias), per sample. */
  l2: number;
}

export interface LogisticFit {
  weights: number[];
  bias: number;
}

/** logit(0.9): where the extra cost of a wrong answer starts to bite. */
const CONFIDENT_LOGIT = Math.log(CONFIDENT / (1 - CONFIDENT));

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** log(1 + e^z) without overflow. */
const softplus = (z: number) => (z > 30 ? z : Math.log1p(Math.exp(z)));

const vectorOf = (f: FeatureVector) => FEATURES.map((n) => f[n]);

/** The mean objective at (w, b): log-loss + penalty on wrong answers above 0.9 + L2. */
export function objective(samples: Sample[], fit: LogisticFit, opts: FitOptions): number {
  let sum = 0;
  for (const s of samples) {
    const z = score(fit, vectorOf(s.f));
    sum += s.y === 1 ? softplus(-z) : softplus(z) + opts.penalty * softplus(z - CONFIDENT_LOGIT);
  }
  const l2 = fit.weights.reduce((acc, w) => acc + w * w, 0);
  return sum / Math.max(1, samples.length) + (opts.l2 / 2) * l2;
}

function score(fit: LogisticFit, x: number[]): number {
  let z = fit.bias;
  x.forEach((xi, i) => (z += xi * fit.weights[i]!));
  return z;
}

/**
 * Minimises `objective` by Newton's method with step halving: a few dozen iterations of
 * a 9 × 9 solve, exact enough that cross-validation compares objectives, not optimisers.
 */
export function fitConfidence(samples: Sample[], opts: FitOptions, iterations = 50): LogisticFit {
  const xs = samples.map((s) => [...vectorOf(s.f), 1]); // the bias as a last, constant feature
  const d = FEATURES.length + 1;
  const n = Math.max(1, samples.length);
  let theta = new Array<number>(d).fill(0);
  const asFit = (t: number[]): LogisticFit => ({ weights: t.slice(0, d - 1), bias: t[d - 1]! });
  let current = objective(samples, asFit(theta), opts);
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    samples.forEach((s, k) => {
      const x = xs[k]!;
      const z = x.reduce((acc, xi, i) => acc + xi * theta[i]!, 0);
      const p = sigmoid(z);
      // d/dz and d²/dz² of the sample's loss.
      let g = p - s.y;
      let h = p * (1 - p);
      if (s.y === 0 && opts.penalty > 0) {
        const q = sigmoid(z - CONFIDENT_LOGIT);
        g += opts.penalty * q;
        h += opts.penalty * q * (1 - q);
      }
      for (let i = 0; i < d; i++) {
        grad[i]! += (g * x[i]!) / n;
        for (let j = 0; j < d; j++) hess[i]![j]! += (h * x[i]! * x[j]!) / n;
      }
    });
    for (let i = 0; i < d - 1; i++) {
      grad[i]! += opts.l2 * theta[i]!;
      hess[i]![i]! += opts.l2;
    }
    hess[d - 1]![d - 1]! += 1e-9; // keeps the solve defined when every sample is alike
    const step = solve(hess, grad);
    let t = 1;
    let next = theta.map((v, i) => v - t * step[i]!);
    let value = objective(samples, asFit(next), opts);
    while (value > current && t > 1e-6) {
      t /= 2;
      next = theta.map((v, i) => v - t * step[i]!);
      value = objective(samples, asFit(next), opts);
    }
    if (value > current) break;
    const done = current - value < 1e-12;
    theta = next;
    current = value;
    if (done) break;
  }
  return asFit(theta);
}

/** Gaussian elimination with partial pivoting: A x = b for a small symmetric positive-definite A. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const diag = m[c]![c]!;
    if (Math.abs(diag) < 1e-15) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / diag;
      if (f !== 0) for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-15 ? 0 : row[n]! / row[i]!));
}

export function predict(fit: LogisticFit, f: FeatureVector): number {
  return sigmoid(score(fit, vectorOf(f)));
}

export interface CrossValidated {
  options: FitOptions;
  /** Out-of-fold figures, averaged over the repeats. */
  logLoss: number;
  ece: number;
  auroc: number;
  /** Of the out-of-fold predictions ≥ 0.9, the share that are wrong. */
  confidentWrong: number;
  /** Share of samples predicted ≥ 0.9. */
  confidentShare: number;
}

/**
 * k-fold cross-validation, stratified by outcome, repeated with other deterministic
 * shuffles: every sample is predicted by a model that never saw it.
 */
export function crossValidate(samples: Sample[], opts: FitOptions, k = 5, repeats = 5): CrossValidated {
  const sums = { logLoss: 0, ece: 0, auroc: 0, confidentWrong: 0, confidentShare: 0 };
  for (let r = 0; r < repeats; r++) {
    const fold = foldsOf(samples, k, 1 + r);
    const p = new Array<number>(samples.length).fill(0);
    for (let f = 0; f < k; f++) {
      const train = samples.filter((_, i) => fold[i] !== f);
      const fit = fitConfidence(train, opts);
      samples.forEach((s, i) => {
        if (fold[i] === f) p[i] = predict(fit, s.f);
      });
    }
    const points = samples.map((s, i) => ({ confidence: p[i]!, correct: s.y === 1, answered: true }));
    const eps = 1e-12;
    sums.logLoss -= samples.reduce((acc, s, i) => acc + Math.log(s.y === 1 ? p[i]! + eps : 1 - p[i]! + eps), 0) / samples.length;
    sums.ece += ece(points);
    sums.auroc += auroc(points);
    const confident = points.filter((pt) => pt.confidence >= CONFIDENT);
    sums.confidentWrong += confident.length === 0 ? 0 : confident.filter((pt) => !pt.correct).length / confident.length;
    sums.confidentShare += confident.length / samples.length;
  }
  return {
    options: opts,
    logLoss: sums.logLoss / repeats,
    ece: sums.ece / repeats,
    auroc: sums.auroc / repeats,
    confidentWrong: sums.confidentWrong / repeats,
    confidentShare: sums.confidentShare / repeats,
  };
}

/** Fold of each sample: right and wrong answers dealt out separately, after a seeded shuffle. */
function foldsOf(samples: Sample[], k: number, seed: number): number[] {
  let state = seed * 2654435761;
  const random = () => {
    // xorshift32: deterministic, so a refit on the same samples gives the same file.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const fold = new Array<number>(samples.length).fill(0);
  for (const y of [0, 1]) {
    const idx = samples.map((s, i) => (s.y === y ? i : -1)).filter((i) => i >= 0);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    idx.forEach((sampleIndex, pos) => (fold[sampleIndex] = pos % k));
  }
  return fold;
}

export interface Choice {
  chosen: CrossValidated;
  /** Every candidate tried, in grid order, for the report. */
  tried: CrossValidated[];
}

export const SEARCH = {
  penalties: [0, 0.5, 1, 2, 3, 4, 6, 8, 16],
  l2s: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
  /**
   * Most cross-validated confident-wrong share accepted. Below the 2 % target because
   * the sets the product meets were written by others, and held-out sets have run a
   * point or two above the calibration sets.
   */
  maxConfidentWrong: 0.015,
};

/**
 * The penalty and L2 strength for the fit: of the candidates whose cross-validated
 * confident-wrong share is within bound, the one with the lowest cross-validated log-loss
 * (the best probabilities that keep sure answers sure); when none is within bound, the
 * one with the fewest confident wrong answers.
 */
export function chooseOptions(samples: Sample[], search: typeof SEARCH = SEARCH): Choice {
  const tried: CrossValidated[] = [];
  for (const l2 of search.l2s) for (const penalty of search.penalties) tried.push(crossValidate(samples, { penalty, l2 }));
  const within = tried.filter((c) => c.confidentWrong <= search.maxConfidentWrong);
  const chosen = within.length
    ? within.reduce((best, c) => (c.logLoss < best.logLoss ? c : best))
    : tried.reduce((best, c) => (c.confidentWrong < best.confidentWrong ? c : best));
  return { chosen, tried };
}
