/**
 * How far the engine's confidence can be trusted. Every query counts: its confidence
 * (0 when the engine gave no answer at all) against whether its first answer is right
 * (never, for out-of-scope text). Abstaining is a separate decision on top of this.
 */

export interface ConfidencePoint {
  confidence: number;
  correct: boolean;
  /** The engine answered (did not abstain). */
  answered: boolean;
}

export interface CalibrationMetrics {
  /** Probability that a right first answer has a higher confidence than a wrong one. */
  auroc: number;
  /** Expected calibration error over ten equal-width confidence bins. */
  ece: number;
  /** Of the answers given at confidence ≥ 0.9, the share that are wrong. */
  confident_wrong_rate: number;
  /** How many answers were given at confidence ≥ 0.9, and how many of them were wrong. */
  confident_answers: number;
  confident_wrong: number;
}

export const CONFIDENT = 0.9;

export function calibrationMetrics(points: ConfidencePoint[]): CalibrationMetrics {
  const confident = points.filter((p) => p.answered && p.confidence >= CONFIDENT);
  const wrong = confident.filter((p) => !p.correct).length;
  return {
    auroc: round(auroc(points)),
    ece: round(ece(points)),
    confident_wrong_rate: confident.length === 0 ? 0 : round(wrong / confident.length),
    confident_answers: confident.length,
    confident_wrong: wrong,
  };
}

/** Mann–Whitney form of the area under the ROC curve; ties count half. */
export function auroc(points: ConfidencePoint[]): number {
  const sorted = [...points].sort((a, b) => a.confidence - b.confidence);
  let rankSumPositive = 0;
  let positives = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]!.confidence === sorted[i]!.confidence) j++;
    const midRank = (i + 1 + j) / 2; // ranks are 1-based
    for (let k = i; k < j; k++) {
      if (sorted[k]!.correct) {
        rankSumPositive += midRank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSumPositive - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function ece(points: ConfidencePoint[], bins = 10): number {
  if (points.length === 0) return 0;
  const sums = Array.from({ length: bins }, () => ({ n: 0, conf: 0, correct: 0 }));
  for (const p of points) {
    const b = sums[Math.min(bins - 1, Math.floor(p.confidence * bins))]!;
    b.n++;
    b.conf += p.confidence;
    b.correct += p.correct ? 1 : 0;
  }
  return sums.reduce((acc, b) => (b.n === 0 ? acc : acc + (b.n / points.length) * Math.abs(b.conf / b.n - b.correct / b.n)), 0);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
