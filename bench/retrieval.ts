/**
 * Retrieval benchmark: one run compares the hybrid engine against its baselines on
 * the same queries and machine, then measures HNSW against exact search at 100 000
 * synthetic phrasings. Prints figures; asserts nothing (machines here are noisy).
 *
 *   npm run bench -- [--file test/eval/public.jsonl] [--scale 100000]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/logger.js';
import { evaluate, percentile, type EvalReport } from '../src/evaluation/evaluate.js';
import { readQuerySet } from '../src/evaluation/query-set.js';
import { openEngine } from '../src/retrieval/open-engine.js';
import { ExactVectorIndex, HnswVectorIndex } from '../src/retrieval/vector-index.js';
import { l2normalise } from '../src/retrieval/embedders/embedder.js';
import { detectLanguage } from '../src/language/detect.js';

const { values } = parseArgs({
  options: { file: { type: 'string', default: 'test/eval/public.jsonl' }, scale: { type: 'string', default: '100000' } },
});

const config = loadConfig();
const engine = await openEngine(config, createLogger('warn'));
const queries = readQuerySet(values.file!);
const dense = (engine as unknown as { dense?: { vectors: Map<number, Float32Array>; embedder: { dimension: number } } }).dense;

const exact = dense ? new ExactVectorIndex(dense.embedder.dimension, dense.vectors) : undefined;
/** Fresh engines for every subset, so no query embedding is served from an earlier run's cache. */
function variants(): [string, ReturnType<typeof engine.withChannels>][] {
  const list: [string, ReturnType<typeof engine.withChannels>][] = [
    ['hybrid (BM25 + dense HNSW, RRF)', engine.withChannels({ lexical: true, dense: true })],
    ['hybrid, encoder on every query', engine.withChannels({ lexical: true, dense: true, alwaysDense: true })],
    ['BM25 alone (MiniSearch)', engine.withChannels({ lexical: true, dense: false })],
  ];
  if (exact) {
    list.push(['dense alone (HNSW)', engine.withChannels({ lexical: false, dense: true })]);
    list.push(['hybrid with exact cosine', engine.withChannels({ lexical: true, dense: true, vectorSearch: exact })]);
  }
  return list;
}

const subsets: [string, typeof queries][] = [
  ['all', queries],
  ['English', queries.filter((q) => detectLanguage(q.text) === 'en')],
  ['Chinese', queries.filter((q) => detectLanguage(q.text) === 'zh')],
];
for (const [label, subset] of subsets) {
  console.log(`\nQuality and latency on ${values.file}, ${label} (${subset.length} queries, embedder ${engine.embedderId})\n`);
  const rows: [string, EvalReport][] = [];
  for (const [name, variant] of variants()) rows.push([name, (await evaluate(variant, subset, engine.embedderId)).report]);
  console.log(
    table(
      ['variant', 'R@1', 'R@3', 'MRR', 'abst.acc', 'false abst.', 'p50 ms', 'p95 ms'],
      rows.map(([name, r]) => [name, r.recall_at_1, r.recall_at_3, r.mrr, r.abstain_accuracy, r.false_abstain_rate, r.p50_ms, r.p95_ms]),
    ),
  );
}
console.log('(abstention is calibrated for the hybrid; the baselines use the same model and are shown for ranking)');

if (dense) await scaleTest(Number(values.scale), dense.vectors, dense.embedder.dimension);

/**
 * Synthetic phrasings: real phrasing vectors plus Gaussian noise, so the data has the
 * manual's cluster structure rather than uniform randomness (which flatters HNSW).
 */
async function scaleTest(n: number, real: Map<number, Float32Array>, dim: number) {
  console.log(`\nIndex at ${n.toLocaleString('en')} synthetic phrasings (dimension ${dim})\n`);
  const seeds = [...real.values()];
  let state = 12345;
  const rand = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const noisy = (base: Float32Array, sigma: number) => l2normalise(base.map((x) => x + gauss() * sigma));
  const vectors = new Map<number, Float32Array>();
  for (let i = 0; i < n; i++) vectors.set(i, noisy(seeds[i % seeds.length]!, 0.03));

  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const hnsw = HnswVectorIndex.build(dim, vectors);
  const buildS = (performance.now() - t0) / 1000;
  const rssHnsw = process.memoryUsage().rss - rss0;
  const exact = new ExactVectorIndex(dim, vectors);

  const probes = Array.from({ length: 200 }, (_, i) => noisy(seeds[(i * 7) % seeds.length]!, 0.04));
  const time = (fn: () => unknown) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  const exactMs: number[] = [];
  const truth = probes.map((q) => {
    let hits: ReturnType<typeof exact.search> = [];
    exactMs.push(time(() => (hits = exact.search(q, 10))));
    return hits;
  });
  const rows: (string | number)[][] = [];
  let hnswP50 = 0;
  for (const ef of [64, 256]) {
    hnsw.setEfSearch(ef);
    const ms: number[] = [];
    let overlap = 0;
    let simRatio = 0;
    probes.forEach((q, i) => {
      let hits: ReturnType<typeof hnsw.search> = [];
      ms.push(time(() => (hits = hnsw.search(q, 10))));
      const exactLabels = new Set(truth[i]!.map((h) => h.label));
      overlap += hits.filter((h) => exactLabels.has(h.label)).length / 10;
      // Ties abound in clustered data: how close the found neighbours are matters more than which.
      simRatio += sum(hits.map((h) => h.similarity)) / sum(truth[i]!.map((h) => h.similarity));
    });
    if (ef === 64) hnswP50 = percentile(ms, 50);
    rows.push([
      `HNSW ef=${ef}`,
      ef === 64 ? round(buildS) : '',
      round(percentile(ms, 50)),
      round(percentile(ms, 95)),
      round(overlap / probes.length),
      round(simRatio / probes.length),
      ef === 64 ? round(rssHnsw / 2 ** 20) : '',
    ]);
  }
  rows.push(['exact brute force', 0, round(percentile(exactMs, 50)), round(percentile(exactMs, 95)), 1, 1, round((n * dim * 4) / 2 ** 20)]);
  console.log(table(['search', 'build s', 'query p50 ms', 'query p95 ms', 'recall@10', 'similarity ratio', 'index RSS MB'], rows));
  console.log(`speed-up of HNSW (ef=64) over exact at p50: ${round(percentile(exactMs, 50) / hnswP50)}x`);
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
