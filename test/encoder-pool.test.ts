import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EncoderLateError, EngineBusyError, type Embedder } from '../src/retrieval/embedders/embedder.js';
import { EncoderPool, type EncoderSpec } from '../src/retrieval/embedders/encoder-pool.js';
import { createUseEmbedder } from '../src/retrieval/embedders/use-embedder.js';
import { CRASH_TEXT } from './support/crashing-embedder.js';

/** The real Universal Sentence Encoder, loaded in each of the pool's threads. */
const USE: EncoderSpec = {
  module: new URL('../src/retrieval/embedders/use-embedder.js', import.meta.url).href,
  factory: 'createUseEmbedder',
};
const CRASHING: EncoderSpec = {
  module: new URL('./support/crashing-embedder.js', import.meta.url).href,
  factory: 'createCrashingEmbedder',
};

const TEXTS = [
  'the boom on my pump truck barely moves',
  'hydraulic oil gets far too hot after an hour of pumping',
  'engine will not start',
  'the left outrigger creeps down when the boom is out over the side',
  'drum does not vibrate',
  'hook creeps down with the load on',
];

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe('EncoderPool (real worker threads, real model)', () => {
  let direct: Embedder;
  let pool: EncoderPool;
  beforeAll(async () => {
    [direct, pool] = await Promise.all([createUseEmbedder(), EncoderPool.start(USE, { threads: 2 })]);
  }, 120_000);
  afterAll(() => pool.close());

  it('gives the same vectors as the embedder called directly', async () => {
    expect(pool.id).toBe(direct.id);
    expect(pool.dimension).toBe(512);
    // One text, and one multi-text call (as the index build sends them): bit for bit the same.
    for (const text of TEXTS) expect(Array.from((await pool.embed([text]))[0]!)).toEqual(Array.from((await direct.embed([text]))[0]!));
    const together = await pool.embed(TEXTS);
    const alone = await direct.embed(TEXTS);
    together.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(alone[i]!)));
    // Concurrent single queries are micro-batched: padding to the batch's longest text moves the last float bits only.
    const batched = await Promise.all(TEXTS.map((t) => pool.embed([t])));
    let worst = 0;
    for (const [i, text] of TEXTS.entries()) worst = Math.max(worst, maxAbsDiff(batched[i]![0]!, (await direct.embed([text]))[0]!));
    console.log(`micro-batched vs direct single-text vectors: largest difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  }, 60_000);

  it('keeps the event loop turning while it embeds', async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    delay.enable();
    const started = performance.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => pool.embed([`${TEXTS[i % TEXTS.length]} (unit ${i})`])));
    const ms = performance.now() - started;
    delay.disable();
    clearInterval(timer);
    // A figure to read, not a timing assertion (the machine is shared).
    console.log(
      `40 texts in ${ms.toFixed(0)} ms on ${pool.concurrency} threads; event-loop delay meanwhile: ` +
        `p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms; ${ticks} timer ticks`,
    );
    expect(ticks).toBeGreaterThan(0);
    expect(pool.stats().batches).toBeGreaterThan(0);
  }, 60_000);

  it('merges waiting queries into batches', async () => {
    const before = pool.stats();
    await Promise.all(Array.from({ length: 24 }, (_, i) => pool.embed([`${TEXTS[i % TEXTS.length]} #${i}`])));
    const after = pool.stats();
    expect(after.texts - before.texts).toBe(24);
    expect(after.batches - before.batches).toBeLessThan(24);
  }, 60_000);

  it('refuses with EngineBusyError when the queue is full, and serves the rest', async () => {
    const small = await EncoderPool.start(USE, { threads: 1, maxQueue: 4 });
    try {
      const accepted = Array.from({ length: 5 }, (_, i) => small.embed([`${TEXTS[i]!} (busy ${i})`])); // one runs, four wait
      const refused = small.embed(['one too many']);
      await expect(refused).rejects.toBeInstanceOf(EngineBusyError);
      await expect(refused).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
      expect((await Promise.all(accepted)).map((v) => v[0]!.length)).toEqual([512, 512, 512, 512, 512]);
      expect(small.stats().refusedBusy).toBe(1);
    } finally {
      await small.close();
    }
  }, 60_000);

  it('drops a waiting call whose asker has gone', async () => {
    const small = await EncoderPool.start(USE, { threads: 1 });
    try {
      const running = small.embed([TEXTS[0]!]);
      const gone = new AbortController();
      const abandoned = small.embed([TEXTS[1]!], { signal: gone.signal });
      gone.abort();
      await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
      await running;
      const stats = small.stats();
      expect(stats).toMatchObject({ aborted: 1, texts: 1, queued: 0 });
    } finally {
      await small.close();
    }
  }, 60_000);

  it('gives up a call its deadline passes, and refuses at once one the queue says cannot make it', async () => {
    const small = await EncoderPool.start(USE, { threads: 1 });
    try {
      await small.embed([TEXTS[0]!]); // one batch timed: the pool knows what a batch costs
      // A thread that is free takes the call at once; no model call is done within 1 ms, so it is given up mid-batch.
      const started = small.embed([TEXTS[1]!], { deadlineMs: 1 });
      await expect(started).rejects.toBeInstanceOf(EncoderLateError);
      // The thread is still busy with it: a call with a 1 ms budget cannot make it and is refused without waiting.
      const refused = small.embed([TEXTS[2]!], { deadlineMs: 1 });
      await expect(refused).rejects.toBeInstanceOf(EncoderLateError);
      // Without a deadline a call waits as long as it takes, and the thread serves it.
      expect((await small.embed([TEXTS[3]!]))[0]!.length).toBe(512);
      expect(small.stats()).toMatchObject({ late: 2, queued: 0, texts: 3 });
    } finally {
      await small.close();
    }
  }, 60_000);

  it('replaces a thread that dies, retries its other calls, and refuses a text that kills twice', async () => {
    const fragile = await EncoderPool.start(CRASHING, { threads: 1 });
    try {
      const poison = fragile.embed([CRASH_TEXT]);
      const neighbour = fragile.embed([TEXTS[2]!]); // waits behind the poison; must not share its fate
      await expect(poison).rejects.toThrow(/crashed twice/);
      const [vector] = await neighbour;
      expect(Array.from(vector!)).toEqual(Array.from((await direct.embed([TEXTS[2]!]))[0]!));
      expect(fragile.stats().replacedThreads).toBeGreaterThanOrEqual(2);
      expect(fragile.stats().threads).toBe(1);
    } finally {
      await fragile.close();
    }
  }, 120_000);
});
