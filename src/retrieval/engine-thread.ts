/**
 * One retrieval thread of EngineThreads: it loads the manual and the language data,
 * builds its own lexical index and opens the dense index from the on-disk cache the main
 * thread wrote, then answers asks (suggest, the machine named, the request made). Query
 * vectors come from the main thread's encoder pool (RemoteEmbedder), so the model is
 * loaded once per encoder thread, not once per retrieval thread, and batching, the
 * encoder-time budget and back-pressure stay in one place.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadKnowledge } from '../knowledge/load.js';
import { DEFAULT_CALIBRATION, readCalibration } from './calibration.js';
import { buildCorpus } from './corpus.js';
import { openDenseChannel, type DenseChannel } from './dense-channel.js';
import type { EmbedOptions, Embedder } from './embedders/embedder.js';
import { SuggestionEngine } from './engine.js';
import { describeError, rebuildError, type Ask, type EngineThreadSpec, type FromThread, type ToThread } from './engine-threads.js';
import { loadLanguageData } from './language-data.js';
import { calibrationPath } from './open-engine.js';
import { lowerThreadPriority } from './thread-priority.js';

const spec = workerData as EngineThreadSpec;
const port = parentPort!;
const post = (m: FromThread) => port.postMessage(m);

// Below the main thread (HTTP, chat turns, health checks), above the encoder threads.
lowerThreadPriority(5);

/** The main thread's encoder pool, asked by message; an ask's abort signal names the ask. */
class RemoteEmbedder implements Embedder {
  private nextCall = 1;
  private readonly waiting = new Map<number, { resolve(v: Float32Array[]): void; reject(e: unknown): void; count: number }>();
  /** Which ask an abort signal belongs to, so the main thread can drop that ask's encoder work. */
  readonly askOf = new WeakMap<AbortSignal, number>();

  constructor(
    readonly id: string,
    readonly dimension: number,
    readonly languages: readonly string[] | 'any',
  ) {}

  embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.waiting.set(call, { resolve, reject, count: texts.length });
      post({ type: 'embed', call, ask: opts.signal && this.askOf.get(opts.signal), texts: [...texts], deadlineMs: opts.deadlineMs });
    });
  }

  answered(m: Extract<ToThread, { type: 'vectors' }>): void {
    const w = this.waiting.get(m.call);
    if (!w) return;
    this.waiting.delete(m.call);
    if (m.error) return w.reject(rebuildError(m.error));
    const d = this.dimension;
    w.resolve(Array.from({ length: w.count }, (_, i) => m.flat!.slice(i * d, (i + 1) * d)));
  }
}

let engine: SuggestionEngine;
let remote: RemoteEmbedder | undefined;
const running = new Map<number, AbortController>();

async function answer(m: Extract<ToThread, { type: 'ask' }>): Promise<void> {
  const controller = new AbortController();
  running.set(m.id, controller);
  remote?.askOf.set(controller.signal, m.id);
  try {
    post({ type: 'answer', id: m.id, value: await run(m.ask, controller.signal) });
  } catch (err) {
    post({ type: 'refused', id: m.id, error: describeError(err) });
  } finally {
    running.delete(m.id);
  }
}

async function run(ask: Ask, signal: AbortSignal): Promise<unknown> {
  switch (ask.op) {
    case 'suggest':
      return engine.suggest(ask.text, { ...ask.opts, signal });
    case 'machine':
      return engine.detectMachine(ask.text);
    case 'intent':
      return engine.detectIntent(ask.text) ?? null;
  }
}

// Messages that arrive while the engine loads (vectors for the index build) must be heard.
// The handler catches everything it awaits, so the promise it returns never rejects.
// eslint-disable-next-line @typescript-eslint/no-misused-promises
port.on('message', async (m: ToThread) => {
  if (m.type === 'vectors') return remote?.answered(m);
  if (m.type === 'cancel') return running.get(m.id)?.abort(new Error('the asker has gone'));
  await answer(m);
});

try {
  const kb = loadKnowledge(spec.knowledgeDir);
  const corpus = buildCorpus(kb);
  const language = loadLanguageData(spec.knowledgeDir);
  let dense: DenseChannel | undefined;
  if (spec.encoder) {
    remote = new RemoteEmbedder(spec.encoder.id, spec.encoder.dimension, spec.encoder.languages);
    dense = await openDenseChannel({ corpus, embedder: remote, cacheDir: spec.indexDir });
  }
  const calibration = readCalibration(calibrationPath(spec.knowledgeDir), remote?.id ?? 'none') ?? DEFAULT_CALIBRATION;
  engine = new SuggestionEngine(kb, language, dense, calibration, { lexical: true, dense: true }, corpus);
  engine.encoderBudgetMs = spec.budgetMs;
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'failed', error: (e as Error).message });
  process.exit(1);
}
