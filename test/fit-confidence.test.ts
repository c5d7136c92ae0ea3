import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseOptions, crossValidate, fitConfidence, objective, predict, SEARCH, type Sample } from '../src/evaluation/fit-confidence.js';
import { FEATURES, readCalibration, type FeatureVector } from '../src/retrieval/calibration.js';

const vector = (values: Partial<FeatureVector>): FeatureVector =>
  ({ ...Object.fromEntries(FEATURES.map((n) => [n, 0])), ...values }) as FeatureVector;

/**
 * Strong evidence (coverage 1) is right 95 times in 100, weak evidence (coverage 0) 30
 * times in 100: maximum likelihood says 0.95 for strong evidence, past 0.9, so 5 % of the
 * sure answers are wrong. The penalty must pull strong evidence below 0.9.
 */
function samples(): Sample[] {
  const out: Sample[] = [];
  const add = (coverage: number, right: number, wrong: number) => {
    for (let i = 0; i < right; i++) out.push({ f: vector({ coverage }), y: 1 });
    for (let i = 0; i < wrong; i++) out.push({ f: vector({ coverage }), y: 0 });
  };
  add(1, 95, 5);
  add(0, 30, 70);
  return out;
}

describe('confidence fit with the penalty on wrong answers above 0.9', () => {
  const strong = vector({ coverage: 1 });
  const weak = vector({ coverage: 0 });

  // At the minimum 95 (1 − p) = 5 (p + penalty · σ(logit p − logit 0.9)): the right
  // answers' pull up against the wrong answers' pull down, their extra cost included.
  it.each([
    { penalty: 0, expected: 0.95 }, // plain log-loss: the observed 95 %, a sure answer wrong 1 time in 20
    { penalty: 1, expected: 0.9217 },
    { penalty: 2, expected: 0.9 }, // 9.5 = 5 · (0.9 + 2 · 0.5)
    { penalty: 4, expected: 0.8663 },
    { penalty: 8, expected: 0.8172 },
  ])('penalty $penalty puts evidence right 95 % of the time at $expected', ({ penalty, expected }) => {
    const fit = fitConfidence(samples(), { penalty, l2: 0 });
    expect(predict(fit, strong)).toBeCloseTo(expected, 3);
  });

  it('a larger penalty never makes strong evidence more confident, and leaves the order alone', () => {
    let previous = 1;
    for (const penalty of [0, 0.5, 1, 2, 4, 8]) {
      const fit = fitConfidence(samples(), { penalty, l2: 1e-6 });
      expect(predict(fit, strong)).toBeLessThanOrEqual(previous + 1e-9);
      expect(predict(fit, strong)).toBeGreaterThan(predict(fit, weak));
      previous = predict(fit, strong);
    }
  });

  it('the penalty does not touch answers far below 0.9', () => {
    // Weak evidence is right 30 % of the time, whatever the penalty (within a few points).
    for (const penalty of [0, 2]) expect(predict(fitConfidence(samples(), { penalty, l2: 1e-6 }), weak)).toBeCloseTo(0.3, 1);
  });

  it.each([0, 2, 8])('penalty %d: the fit is the minimum of the objective', (penalty) => {
    const opts = { penalty, l2: 1e-3 };
    const fit = fitConfidence(samples(), opts);
    const best = objective(samples(), fit, opts);
    for (const [i, d] of [
      [0, 0.05],
      [0, -0.05],
      [-1, 0.05],
      [-1, -0.05],
    ] as const) {
      const moved = i < 0 ? { ...fit, bias: fit.bias + d } : { ...fit, weights: fit.weights.map((w, k) => (k === i ? w + d : w)) };
      expect(objective(samples(), moved, opts)).toBeGreaterThan(best);
    }
  });

  it('the penalty is in the objective: the same fit costs more with it', () => {
    const fit = fitConfidence(samples(), { penalty: 0, l2: 0 });
    expect(objective(samples(), fit, { penalty: 2, l2: 0 })).toBeGreaterThan(objective(samples(), fit, { penalty: 0, l2: 0 }) + 0.01);
  });
});

describe('choosing the penalty by cross-validation', () => {
  it('is deterministic', () => {
    expect(crossValidate(samples(), { penalty: 1, l2: 1e-3 })).toEqual(crossValidate(samples(), { penalty: 1, l2: 1e-3 }));
  });

  it.each([
    // With the bound at 2 % plain log-loss (5 % of sure answers wrong) is out; some penalty is chosen.
    { bound: 0.02, penalties: [0, 1, 2, 4, 8], chosenAbove: 0 },
    // A bound no candidate meets: the one with the fewest confident wrong answers.
    { bound: -1, penalties: [0, 4], chosenAbove: 3 },
    // Any bound met: lowest log-loss, which is maximum likelihood.
    { bound: 1, penalties: [0, 1, 2], chosenAbove: -1 },
  ])('bound $bound over $penalties', ({ bound, penalties, chosenAbove }) => {
    const { chosen, tried } = chooseOptions(samples(), { ...SEARCH, penalties, l2s: [1e-4], maxConfidentWrong: bound });
    expect(tried).toHaveLength(penalties.length);
    expect(chosen.options.penalty).toBeGreaterThan(chosenAbove);
    if (bound === 1) expect(chosen.options.penalty).toBe(0);
    if (bound >= 0) expect(chosen.confidentWrong).toBeLessThanOrEqual(bound);
  });
});

describe('calibration file', () => {
  it('ignores a fit made on another set of features', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calibration-'));
    const path = join(dir, 'calibration.json');
    const model = (n: number) => ({ weights: new Array<number>(n).fill(0), bias: 0, threshold: 0.5 });
    const entry = (n: number) => ({ embedder: 'x', fittedOn: 'test', hybrid: model(n), lexicalOnly: model(n) });
    writeFileSync(path, JSON.stringify({ old: entry(FEATURES.length - 1), current: entry(FEATURES.length) }));
    expect(readCalibration(path, 'old')).toBeUndefined();
    expect(readCalibration(path, 'current')).toBeDefined();
  });
});
