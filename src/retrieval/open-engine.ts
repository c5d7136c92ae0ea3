import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { loadKnowledge, type KnowledgeBase } from '../knowledge/load.js';
import { DEFAULT_CALIBRATION, readCalibration } from './calibration.js';
import { buildCorpus, type Phrasing } from './corpus.js';
import { openDenseChannel, type DenseChannel } from './dense-channel.js';
import type { Embedder } from './embedders/embedder.js';
import { EncoderPool } from './embedders/encoder-pool.js';
import type { TransformersEmbedderOptions } from './embedders/transformers-embedder.js';
import { SuggestionEngine } from './engine.js';
import { EngineThreads, type EngineThreadSpec } from './engine-threads.js';
import { loadLanguageData, type LanguageData } from './language-data.js';
import { progressBar } from './progress.js';
import type { Retrieval } from './retrieval.js';

export function calibrationPath(knowledgeDir: string): string {
  return join(knowledgeDir, 'calibration.json');
}

/**
 * The configured sentence encoder, running in a pool of worker threads so that
 * inference never blocks the event loop (undefined for EMBEDDER=none).
 */
export async function createEmbedder(
  config: AppConfig['embedder'],
  encoder: AppConfig['encoder'] = {},
  log?: Logger,
): Promise<Embedder | undefined> {
  const module = (file: string) => new URL(`./embedders/${file}`, import.meta.url).href;
  switch (config.kind) {
    case 'none':
      return undefined;
    case 'use':
      return EncoderPool.start({ module: module('use-embedder.js'), factory: 'createUseEmbedder' }, { ...encoder, log });
    case 'transformers':
      return EncoderPool.start(
        {
          module: module('transformers-embedder.js'),
          factory: 'createTransformersEmbedder',
          options: { modelDir: config.modelDir, languages: config.languages } satisfies TransformersEmbedderOptions,
        },
        { ...encoder, log },
      );
  }
}

interface EngineParts {
  kb: KnowledgeBase;
  corpus: Phrasing[];
  language: LanguageData;
  embedder?: Embedder;
  dense?: DenseChannel;
  indexDir: string;
}

/** The manual, its phrasings, the language data, the encoder and the dense index (built, or read from the cache). */
async function openParts(config: EngineConfig, log: Logger | undefined, kb: KnowledgeBase): Promise<EngineParts> {
  const corpus = buildCorpus(kb);
  const language = loadLanguageData(config.knowledgeDir);
  const embedder = await createEmbedder(config.embedder, config.encoder, log);
  const indexDir = config.indexDir ?? join(config.dataDir, 'index');
  let dense: DenseChannel | undefined;
  if (embedder) {
    const bar = progressBar(`Embedding with ${embedder.id}`);
    try {
      dense = await openDenseChannel({ corpus, embedder, cacheDir: indexDir, log, progress: bar });
    } finally {
      bar.stop();
    }
  }
  return { kb, corpus, language, embedder, dense, indexDir };
}

type EngineConfig = Pick<AppConfig, 'dataDir' | 'knowledgeDir' | 'embedder' | 'indexDir' | 'encoder'>;

/**
 * Loads the manual, the embedder and the dense index (from disk when unchanged) and
 * returns a ready engine. The calibration matching the embedder is used if one exists.
 */
export async function openEngine(
  config: EngineConfig,
  log?: Logger,
  kb: KnowledgeBase = loadKnowledge(config.knowledgeDir),
): Promise<SuggestionEngine> {
  const { corpus, language, embedder, dense } = await openParts(config, log, kb);
  const key = embedder?.id ?? 'none';
  const calibration = readCalibration(calibrationPath(config.knowledgeDir), key);
  if (!calibration) log?.warn({ embedder: key }, 'no calibration for this embedder; using hand-set defaults (run kb calibrate)');
  return new SuggestionEngine(kb, language, dense, calibration ?? DEFAULT_CALIBRATION, { lexical: true, dense: true }, corpus);
}

/**
 * The server's retrieval. By default the engine runs in worker threads, one per core
 * (EngineThreads), so ranking never holds up chat turns, the board or health checks;
 * the encoder pool stays on the main thread and serves them all. ENGINE_THREADS=0
 * ranks in the main thread. Either way, `encoder` is the pool for its operating figures.
 */
export async function openRetrieval(
  config: EngineConfig & Pick<AppConfig, 'engineThreads'>,
  log: Logger | undefined,
  kb: KnowledgeBase,
): Promise<{ retrieval: Retrieval; encoder?: Embedder }> {
  const threads = config.engineThreads ?? availableParallelism();
  if (threads === 0) {
    const engine = await openEngine(config, log, kb);
    engine.encoderBudgetMs = config.encoder?.budgetMs;
    return { retrieval: engine, encoder: engine.encoder };
  }
  // The threads read the dense index from the cache this writes (when the manual or the model changed).
  const { language, embedder, indexDir } = await openParts(config, log, kb);
  if (!readCalibration(calibrationPath(config.knowledgeDir), embedder?.id ?? 'none')) {
    log?.warn({ embedder: embedder?.id ?? 'none' }, 'no calibration for this embedder; using hand-set defaults (run kb calibrate)');
  }
  const spec: EngineThreadSpec = {
    knowledgeDir: config.knowledgeDir,
    indexDir,
    encoder: embedder && { id: embedder.id, dimension: embedder.dimension, languages: embedder.languages },
    budgetMs: config.encoder?.budgetMs,
  };
  // A thread that cannot start closes the encoder too.
  return { retrieval: await EngineThreads.start(kb, language, spec, { threads, encoder: embedder, log }), encoder: embedder };
}
