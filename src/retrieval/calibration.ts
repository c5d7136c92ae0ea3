import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Abstention model: a logistic regression over the top candidate's evidence, fitted by
 * `npm run kb -- calibrate` on the calibration query set (test/eval/dev.jsonl), never
 * on the public evaluation set. One model per channel mix: with a dense channel that
 * understands the query's language, and lexical-only (e.g. Chinese with an English model).
 */
export const FEATURES = ['coverage', 'lexicalStrength', 'similarity', 'margin'] as const;
export type FeatureVector = Record<(typeof FEATURES)[number], number>;

const modelSchema = z.object({
  weights: z.array(z.number()).length(FEATURES.length),
  bias: z.number(),
  threshold: z.number().min(0).max(1),
});
export type AbstainModel = z.infer<typeof modelSchema>;

export const calibrationSchema = z.object({
  embedder: z.string(),
  fittedOn: z.string(),
  hybrid: modelSchema,
  lexicalOnly: modelSchema,
});
export type Calibration = z.infer<typeof calibrationSchema>;

/** Used until a calibration exists for the active embedder: conservative hand-set weights. */
export const DEFAULT_CALIBRATION: Calibration = {
  embedder: 'default',
  fittedOn: 'hand-set defaults',
  hybrid: { weights: [4, 1, 6, 1], bias: -6, threshold: 0.5 },
  lexicalOnly: { weights: [7, 1, 0, 1], bias: -4.5, threshold: 0.5 },
};

export function confidence(model: AbstainModel, f: FeatureVector): number {
  let z = model.bias;
  FEATURES.forEach((name, i) => (z += model.weights[i]! * f[name]));
  return 1 / (1 + Math.exp(-z));
}

/** Reads the calibration file; a calibration made for another embedder is ignored. */
export function readCalibration(path: string, embedderId: string): Calibration | undefined {
  if (!existsSync(path)) return undefined;
  const all = z.record(calibrationSchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!all.success) throw new Error(`${path}: not a valid calibration file: ${all.error.issues[0]?.message}`);
  return all.data[embedderId];
}

/** Fits weights by gradient descent on log-loss (L2-regularised); small data, so simple is enough. */
export function fitLogistic(samples: { f: FeatureVector; y: 0 | 1 }[], epochs = 4000, rate = 0.5, l2 = 1e-3) {
  const w: number[] = FEATURES.map(() => 0);
  let b = 0;
  const pos = samples.filter((s) => s.y === 1).length;
  const neg = samples.length - pos;
  // Balance the classes: out-of-scope queries are few but matter as much.
  const weightOf = (y: number) => (y === 1 ? samples.length / (2 * Math.max(pos, 1)) : samples.length / (2 * Math.max(neg, 1)));
  for (let e = 0; e < epochs; e++) {
    const gw = w.map(() => 0);
    let gb = 0;
    for (const s of samples) {
      const x = FEATURES.map((n) => s.f[n]);
      const p = 1 / (1 + Math.exp(-(b + x.reduce((acc, xi, i) => acc + xi * w[i]!, 0))));
      const err = (p - s.y) * weightOf(s.y);
      x.forEach((xi, i) => (gw[i]! += err * xi));
      gb += err;
    }
    w.forEach((wi, i) => (w[i] = wi - rate * (gw[i]! / samples.length + l2 * wi)));
    b -= (rate * gb) / samples.length;
  }
  return { weights: w, bias: b };
}
