/**
 * The real Universal Sentence Encoder, except that the text "__crash__" ends the
 * thread it runs in: for testing that the encoder pool replaces a dead thread.
 */
import type { Embedder } from '../../src/retrieval/embedders/embedder.js';
import { createUseEmbedder } from '../../src/retrieval/embedders/use-embedder.js';

export const CRASH_TEXT = '__crash__';

export async function createCrashingEmbedder(): Promise<Embedder> {
  const real = await createUseEmbedder();
  return {
    ...real,
    embed(texts, opts) {
      if (texts.includes(CRASH_TEXT)) process.exit(3); // in a worker thread: ends that thread only
      return real.embed(texts, opts);
    },
  };
}
