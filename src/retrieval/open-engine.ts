import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { loadKnowledge, type KnowledgeBase } from '../knowledge/load.js';
import { DEFAULT_CALIBRATION, readCalibration } from './calibration.js';
import { buildCorpus } from './corpus.js';
import { openDenseChannel, type DenseChannel } from './dense-channel.js';
import type { Embedder } from './embedders/embedder.js';
import { SuggestionEngine } from './engine.js';
import { loadLanguageData } from './language-data.js';
import { progressBar } from './progress.js';

export function calibrationPath(knowledgeDir: string): string {
  return join(knowledgeDir, 'calibration.json');
}

export async function createEmbedder(config: AppConfig['embedder']): Promise<Embedder | undefined> {
  switch (config.kind) {
    case 'none':
      return undefined;
    case 'use': {
      const { createUseEmbedder } = await import('./embedders/use-embedder.js');
      return createUseEmbedder();
    }
    case 'transformers': {
      const { createTransformersEmbedder } = await import('./embedders/transformers-embedder.js');
      return createTransformersEmbedder({ modelDir: config.modelDir, languages: config.languages });
    }
  }
}

/**
 * Loads the manual, the embedder and the dense index (from disk when unchanged) and
 * returns a ready engine. The calibration matching the embedder is used if one exists.
 */
export async function openEngine(
  config: Pick<AppConfig, 'dataDir' | 'knowledgeDir' | 'embedder' | 'indexDir'>,
  log?: Logger,
  kb: KnowledgeBase = loadKnowledge(config.knowledgeDir),
): Promise<SuggestionEngine> {
  const corpus = buildCorpus(kb);
  const language = loadLanguageData(config.knowledgeDir);
  const embedder = await createEmbedder(config.embedder);
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
