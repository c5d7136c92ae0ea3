import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Phrasing } from './corpus.js';
import type { Embedder } from './embedders/embedder.js';
import type { Lang } from './text.js';
import { HnswVectorIndex, HNSW_PARAMS, type VectorSearch } from './vector-index.js';

/** Receives embedding progress while an index is built (a progress bar, a log line). */
export type ProgressReporter = (done: number, total: number) => void;

export interface DenseChannel {
  embedder: Embedder;
  index: VectorSearch;
  /** The embedded phrasings' vectors by corpus position, kept for exact-search baselines. */
  vectors: Map<number, Float32Array>;
  /** Whether the model understands text in this language at all. */
  knows(lang: Lang): boolean;
  /** True when this start-up had to embed the corpus (knowledge or model changed). */
  rebuilt: boolean;
}

export function embedderKnows(embedder: Embedder, lang: Lang): boolean {
  if (embedder.languages === 'any') return true;
  return lang !== 'unknown' && embedder.languages.includes(lang);
}

interface CacheMeta {
  key: string;
  embedder: string;
  dimension: number;
  labels: number[];
}

const EMBED_BATCH = 64;

/**
 * Embeds every phrasing in a language the model knows and indexes the vectors with
 * HNSW. The index and vectors are saved under cacheDir keyed by a hash of the model
 * identity and the phrasings, so a restart loads them from disk and a change to the
 * knowledge or the model rebuilds them.
 */
export async function openDenseChannel(opts: {
  corpus: readonly Phrasing[];
  embedder: Embedder;
  cacheDir: string;
  log?: Logger;
  progress?: ProgressReporter;
}): Promise<DenseChannel> {
  const { corpus, embedder, cacheDir, log } = opts;
  const knows = (lang: Lang) => embedderKnows(embedder, lang);
  const todo = corpus.filter((p) => knows(p.lang));
  const key = createHash('sha256')
    .update(JSON.stringify({ model: embedder.id, hnsw: HNSW_PARAMS, texts: todo.map((p) => [p.index, p.text]) }))
    .digest('hex')
    .slice(0, 16);
  const base = join(cacheDir, `dense-${key}`);

  const cached = readCache(base, key, embedder.dimension);
  if (cached) {
    log?.info({ phrasings: cached.vectors.size, key }, 'dense index loaded from disk');
    return { embedder, ...cached, knows, rebuilt: false };
  }

  const started = performance.now();
  // Batches of EMBED_BATCH as always (the vectors depend on batch composition in the
  // last float bits, and the cache key promises identical ones), as many at once as the
  // embedder has threads; the index is built in corpus order whatever finished first.
  const batches: Phrasing[][] = [];
  for (let i = 0; i < todo.length; i += EMBED_BATCH) batches.push(todo.slice(i, i + EMBED_BATCH));
  const embedded: Float32Array[][] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let b = next++; b < batches.length; b = next++) {
      embedded[b] = await embedder.embed(batches[b]!.map((p) => p.text));
      opts.progress?.((done += batches[b]!.length), todo.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, embedder.concurrency ?? 1) }, worker));
  const vectors = new Map<number, Float32Array>();
  batches.forEach((batch, b) => batch.forEach((p, j) => vectors.set(p.index, embedded[b]![j]!)));
  const index = HnswVectorIndex.build(embedder.dimension, vectors);
  writeCache(base, { key, embedder: embedder.id, dimension: embedder.dimension, labels: [...vectors.keys()] }, index, vectors);
  log?.info({ phrasings: vectors.size, key, ms: Math.round(performance.now() - started) }, 'dense index built and saved');
  return { embedder, index, vectors, knows, rebuilt: true };
}

function readCache(
  base: string,
  key: string,
  dimension: number,
): { index: HnswVectorIndex; vectors: Map<number, Float32Array> } | undefined {
  // The meta file is written last, so its presence means the other two are complete.
  if (!existsSync(`${base}.json`)) return undefined;
  try {
    const meta = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as CacheMeta;
    if (meta.key !== key || meta.dimension !== dimension) return undefined;
    const raw = readFileSync(`${base}.f32`);
    const flat = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    if (flat.length !== meta.labels.length * dimension) return undefined;
    const vectors = new Map<number, Float32Array>();
    meta.labels.forEach((label, i) => vectors.set(label, flat.slice(i * dimension, (i + 1) * dimension)));
    return { index: HnswVectorIndex.read(`${base}.hnsw`, dimension), vectors };
  } catch {
    return undefined; // a damaged cache is rebuilt, never trusted
  }
}

function writeCache(base: string, meta: CacheMeta, index: HnswVectorIndex, vectors: Map<number, Float32Array>): void {
  mkdirSync(join(base, '..'), { recursive: true });
  const flat = new Float32Array(meta.labels.length * meta.dimension);
  meta.labels.forEach((label, i) => flat.set(vectors.get(label)!, i * meta.dimension));
  const tmp = `.tmp-${process.pid}`;
  index.write(`${base}.hnsw${tmp}`);
  writeFileSync(`${base}.f32${tmp}`, Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength));
  writeFileSync(`${base}.json${tmp}`, JSON.stringify(meta));
  renameSync(`${base}.hnsw${tmp}`, `${base}.hnsw`);
  renameSync(`${base}.f32${tmp}`, `${base}.f32`);
  renameSync(`${base}.json${tmp}`, `${base}.json`);
}
