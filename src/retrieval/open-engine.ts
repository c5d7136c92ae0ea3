import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { loadKnowledge, type KnowledgeBase } from '../knowledge/load.js';
import { DEFAULT_CALIBRATION, readCalibration } from './calibration.js';
import { buildCorpus } from './corpus.js';
import { openDenseChannel, type DenseChannel } from './dense-channel.js';
import type { Embedder } from './embedders/embedder.js';
import { EncoderPool } from './embedders/encoder-pool.js';
import type { TransformersEmbedderOptions } from './embedders/transformers-embedder.js';
import { SuggestionEngine } from './engine.js';
import { loadLanguageData } from './language-data.js';
import { progressBar } from './progress.js';

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

/**
 * Loads the manual, the embedder and the dense index (from disk when unchanged) and
 * returns a ready engine. The calibration matching the embedder is used if one exists.
 */
export async function openEngine(
  config: Pick<AppConfig, 'dataDir' | 'knowledgeDir' | 'embedder' | 'indexDir' | 'encoder'>,
  log?: Logger,
  kb: KnowledgeBase = loadKnowledge(config.knowledgeDir),
): Promise<SuggestionEngine> {
  const corpus = buildCorpus(kb);
  const language = loadLanguageData(config.knowledgeDir);
  const embedder = await createEmbedder(config.embedder, config.encoder, log);
  let dense: DenseChannel | undefined;
  if (embedder) {
    const bar = progressBar(`Embedding with ${embedder.id}`);
    try {
      dense = await openDenseChannel({ corpus, embedder, cacheDir: config.indexDir ?? join(config.dataDir, 'index'), log, progress: bar });
    } finally {
      bar.stop();
    }
  }
  const key = embedder?.id ?? 'none';
  const calibration = readCalibration(calibrationPath(config.knowledgeDir), key);
  if (!calibration) log?.warn({ embedder: key }, 'no calibration for this embedder; using hand-set defaults (run kb calibrate)');
  return new SuggestionEngine(kb, language, dense, calibration ?? DEFAULT_CALIBRATION, { lexical: true, dense: true }, corpus);
}
