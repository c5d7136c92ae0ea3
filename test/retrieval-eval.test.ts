import { auroc, calibrationMetrics, ece } from '../src/evaluation/calibration-metrics.js';
import { summarise, type QueryOutcome } from '../src/evaluation/evaluate.js';
import type { SuggestResponse } from '../src/retrieval/engine.js';

const point = (confidence: number, correct: boolean, answered = true) => ({ confidence, correct, answered });

describe('calibration metrics', () => {
  it('AUROC is 1 when every right answer is more confident than every wrong one, 0.5 for ties', () => {
    expect(auroc([point(0.9, true), point(0.8, true), point(0.3, false), point(0.1, false)])).toBe(1);
    expect(auroc([point(0.2, true), point(0.9, false)])).toBe(0);
    expect(auroc([point(0.5, true), point(0.5, false)])).toBe(0.5);
  });

  it('ECE is the bin-weighted gap between confidence and accuracy', () => {
    // One bin at 0.95 with half right: gap 0.45.
    expect(ece([point(0.95, true), point(0.95, false)])).toBeCloseTo(0.45, 6);
    expect(ece([point(0.05, false), point(0.95, true)])).toBeCloseTo(0.05, 6);
  });

  it('confident-wrong counts answered queries at ≥ 0.9 that are wrong', () => {
    const m = calibrationMetrics([point(0.95, true), point(0.92, false), point(0.99, false, false), point(0.5, false)]);
    expect(m).toMatchObject({ confident_answers: 2, confident_wrong: 1, confident_wrong_rate: 0.5 });
  });
});

describe('evaluation report', () => {
  const response = (ids: string[], extra: Partial<SuggestResponse> = {}): SuggestResponse => ({
    abstain: false,
    confidence: 0.9,
    language: 'en',
    results: ids.map((id) => ({
      id,
      title: { en: id, zh: id },
      productLine: 'PT',
      category: 'hydraulic',
      selfService: 'yes',
      score: 0.9,
      matchedPhrasing: '',
    })),
    ...extra,
  });
  const outcome = (expect: string[], tags: string[], res: SuggestResponse, intent?: string): QueryOutcome => {
    const idx = res.results.findIndex((r) => expect.includes(r.id));
    return { query: { text: 'x', expect, tags, intent }, response: res, rank: idx >= 0 ? idx + 1 : undefined, ms: 1 };
  };

  it('reports per tag, intents and calibration', () => {
    const report = summarise(
      [
        outcome(['PT-H01'], ['en', 'negation'], response(['PT-H01', 'PT-H02'])),
        outcome(['PT-H01'], ['zh', 'negation'], response(['PT-H02', 'PT-H01'])),
        outcome(
          [],
          ['en', 'oos'],
          response([], { abstain: true, reason: 'intent', intent: { id: 'invoice', route: 'office' }, confidence: 0 }),
          'invoice',
        ),
        outcome(
          [],
          ['zh', 'oos'],
          response([], { abstain: true, reason: 'intent', intent: { id: 'greeting', route: 'conversation' }, confidence: 0 }),
          'thanks',
        ),
      ],
      'test',
    );
    expect(report.intent_accuracy).toBe(0.5);
    expect(report.by_tag!.negation).toMatchObject({ n: 2, recall_at_1: 0.5, recall_at_3: 1, false_abstain_rate: 0 });
    expect(report.by_tag!.oos).toMatchObject({ n: 2, abstain_accuracy: 1 });
    expect(report.calibration).toMatchObject({ confident_answers: 2, confident_wrong: 1 });
  });
});
