/**
 * One encoder thread of the EncoderPool: loads the embedder named in workerData (a
 * module and its factory, so the pool runs any Embedder) and answers batches of texts
 * with their vectors, which are transferred back without a copy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../thread-priority.js';
import type { Embedder } from './embedder.js';
import type { EncoderSpec, FromWorker, ToWorker } from './encoder-pool.js';

const spec = workerData as EncoderSpec;
const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

// Encoding is batch work: the main thread's HTTP work and health checks come first.
lowerThreadPriority(10);

let embedder: Embedder;
try {
  const mod = (await import(spec.module)) as Record<string, (options?: unknown) => Promise<Embedder>>;
  const factory = mod[spec.factory];
  if (typeof factory !== 'function') throw new Error(`${spec.module} has no function ${spec.factory}`);
  embedder = await factory(spec.options);
  post({ type: 'ready', id: embedder.id, dimension: embedder.dimension, languages: embedder.languages });
} catch (e) {
  post({ type: 'failed', error: (e as Error).message });
  process.exit(1);
}

// The handler catches everything it awaits, so the promise it returns never rejects.
// eslint-disable-next-line @typescript-eslint/no-misused-promises
port.on('message', async (m: ToWorker) => {
  try {
    const vectors = await embedder.embed(m.texts);
    const d = embedder.dimension;
    const flat = new Float32Array(vectors.length * d);
    vectors.forEach((v, i) => flat.set(v, i * d));
    post({ type: 'done', batch: m.batch, flat }, [flat.buffer]);
  } catch (e) {
    post({ type: 'error', batch: m.batch, error: (e as Error).message });
  }
});
