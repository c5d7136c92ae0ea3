import type { EvalReport, QueryOutcome } from '../evaluation/evaluate.js';

/** The human-readable form of an evaluation: the figures, then every miss to look at. */
export function printEvalReport(report: EvalReport, outcomes: QueryOutcome[]): void {
  const rows: [string, string][] = [
    ['queries', `${report.n} (${report.in_scope} in scope, ${report.out_of_scope} out of scope)`],
    ['recall@1', pct(report.recall_at_1)],
    ['recall@3', pct(report.recall_at_3)],
    ['MRR', report.mrr.toFixed(3)],
    ['abstain accuracy (out of scope)', pct(report.abstain_accuracy)],
    ['false abstain rate (in scope)', pct(report.false_abstain_rate)],
    ['answered and correct in top 3', pct(report.answered_correct_at_3)],
    ...(report.intent_accuracy !== undefined ? ([['intent accuracy (requests)', pct(report.intent_accuracy)]] as [string, string][]) : []),
    ['confidence AUROC (right vs wrong first answer)', report.calibration.auroc.toFixed(3)],
    ['expected calibration error', report.calibration.ece.toFixed(3)],
    [
      'confident-wrong (conf ≥ 0.9 answers that are wrong)',
      `${pct(report.calibration.confident_wrong_rate)} (${report.calibration.confident_wrong} of ${report.calibration.confident_answers})`,
    ],
    ['latency p50 / p95', `${report.p50_ms.toFixed(1)} ms / ${report.p95_ms.toFixed(1)} ms`],
    ...(report.encoder_use
      ? [
          [
            'sentence encoder asked',
            `${report.encoder_use.embedded} of ${report.encoder_use.ranked} ranked queries (${(100 * report.encoder_use.share).toFixed(1)} %)`,
          ] as [string, string],
        ]
      : []),
    ['embedder', report.embedder],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);

  if (report.by_tag) {
    console.log('\nBy tag:');
    const head = ['tag', 'n', 'R@1', 'R@3', 'abst.acc', 'false abst.'];
    const body = Object.entries(report.by_tag).map(([tag, g]) => [
      tag,
      String(g.n),
      g.in_scope ? g.recall_at_1.toFixed(3) : '-',
      g.in_scope ? g.recall_at_3.toFixed(3) : '-',
      g.out_of_scope ? g.abstain_accuracy.toFixed(3) : '-',
      g.in_scope ? g.false_abstain_rate.toFixed(3) : '-',
    ]);
    const widths = head.map((_, i) => Math.max(...[head, ...body].map((r) => r[i]!.length)));
    for (const r of [head, ...body])
      console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  }

  const misses = outcomes.filter((o) =>
    o.query.expect.length === 0
      ? !o.response.abstain || (o.query.intent !== undefined && o.response.intent?.id !== o.query.intent)
      : o.rank !== 1 || o.response.abstain,
  );
  if (misses.length === 0) return;
  console.log(`\nMisses (${misses.length}):`);
  for (const o of misses) {
    const got =
      o.response.results
        .slice(0, 3)
        .map((r) => r.id)
        .join(', ') || '—';
    const what =
      o.query.expect.length === 0
        ? o.response.abstain
          ? `intent ${o.response.intent?.id ?? '-'}, expected ${o.query.intent}`
          : 'should abstain'
        : o.response.abstain
          ? `abstained (rank ${o.rank ?? '-'})`
          : `rank ${o.rank ?? 'not in list'}`;
    const line = o.query.productLine ? ` [${o.query.productLine}]` : '';
    console.log(
      `  ${what.padEnd(22)} conf ${o.response.confidence.toFixed(2)}  expect ${o.query.expect.join('|') || '∅'}  got ${got}${line}  «${o.query.text}»`,
    );
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
