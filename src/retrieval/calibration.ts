import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Confidence and abstention: a logistic regression over the top candidate's evidence
 * giving the probability that the first answer is right, fitted by `npm run kb --
 * calibrate` (src/evaluation/fit-confidence.ts) on the calibration query sets (test/eval/calibration.jsonl and
 * dev.jsonl), never on the public evaluation set. One model per channel mix: with a dense channel that
 * understands the query's language, and lexical-only (e.g. Chinese with an English model).
 */
export const FEATURES = [
  'coverage',
  'lexicalStrength',
  'similarity',
  'margin',
  'lineFit',
  'unknownShare',
  'describesFault',
  'matchedInformation',
  'lead',
  'coverageLead',
] as const;
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
  hybrid: { weights: [4, 1, 6, 1, 1, -3, 1, 3, 0, 0], bias: -9, threshold: 0.5 },
  lexicalOnly: { weights: [7, 1, 0, 1, 1, -3, 1, 3, 0, 0], bias: -7.5, threshold: 0.5 },
};

export function confidence(model: AbstainModel, f: FeatureVector): number {
  let z = model.bias;
  FEATURES.forEach((name, i) => (z += model.weights[i]! * f[name]));
  return 1 / (1 + Math.exp(-z));
}

/**
 * Reads the calibration file; a calibration made for another embedder is ignored, and
 * so is one fitted on another set of features (an older release): run calibrate again.
 */
export function readCalibration(path: string, embedderId: string): Calibration | undefined {
  if (!existsSync(path)) return undefined;
  const all = z.record(z.unknown()).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!all.success) throw new Error(`${path}: not a valid calibration file: ${all.error.issues[0]?.message}`);
  const entry = all.data[embedderId];
  if (entry === undefined) return undefined;
  const parsed = calibrationSchema.safeParse(entry);
  return parsed.success ? parsed.data : undefined;
}
