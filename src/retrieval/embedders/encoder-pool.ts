import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { settle, type WaitingCall } from '../waiting-call.js';
import { EncoderLateError, EngineBusyError, type EmbedOptions, type Embedder } from './embedder.js';

/** Which embedder each encoder thread loads: an ES module URL and the async factory it exports. */
export interface EncoderSpec {
  module: string;
  factory: string;
  /** Passed to the factory (structured-clonable). */
  options?: unknown;
}

export type ToWorker = { batch: number; texts: string[] };
export type FromWorker =
  | { type: 'ready'; id: string; dimension: number; languages: readonly string[] | 'any' }
  | { type: 'failed'; error: string }
  | { type: 'done'; batch: number; flat: Float32Array }
  | { type: 'error'; batch: number; error: string };

export interface EncoderPoolOptions {
  /** Encoder threads; default one per core. */
  threads?: number;
  /** Texts that may wait for a thread before embed() refuses with EngineBusyError; default 64. */
  maxQueue?: number;
  /** Most texts of several waiting calls merged into one batch; default 16. */
  maxBatch?: number;
  log?: Logger;
}

/** One embed() call waiting for, or being served by, an encoder thread. */
interface Call extends WaitingCall {
  texts: readonly string[];
  resolve(vectors: Float32Array[]): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  busy?: { batch: number; calls: Call[]; texts: number; startedAt: number };
}

/** Counters for benchmarks and operators. */
export interface EncoderPoolStats {
  threads: number;
  queued: number;
  batches: number;
  texts: number;
  refusedBusy: number;
  aborted: number;
  /** Calls given up because the vectors would have come (or came) after the caller's deadline. */
  late: number;
  replacedThreads: number;
}

const WORKER_URL = new URL('./encoder-worker.js', import.meta.url);

/**
 * The sentence encoder off the event loop: a pool of worker threads (one per core by
 * default), each holding its own copy of the model, behind a bounded queue.
 *
 * - **Back-pressure**: when maxQueue texts are already waiting, embed() rejects at once
 *   with EngineBusyError instead of letting latency grow without bound.
 * - **Micro-batching**: a thread that becomes free takes every waiting call up to
 *   maxBatch texts in one model call (the model's fixed cost per call is ~5 ms, about
 *   as much as a whole short text), so batches form by themselves under load and a lone
 *   query at rest never waits for company. A multi-text call (the index build) is never
 *   split, so its vectors are exactly those of the embedder called directly.
 * - **Abandoned work is dropped**: a call whose AbortSignal fires leaves the queue.
 * - **Deadlines** (an encoder-time budget, EmbedOptions.deadlineMs): a call whose vectors
 *   are not there in time is given up with EncoderLateError, and one that the queue says
 *   cannot make it (threads busy, batches ahead, at the recent batch time) is refused at
 *   once, so the caller answers without vectors instead of late.
 * - **Crashes**: a thread that dies is replaced; the calls it was serving go back to
 *   the front of the queue once (a text that kills two threads is refused).
 */
export class EncoderPool implements Embedder {
  private readonly queue: Call[] = [];
  private queuedTexts = 0;
  private readonly slots: Slot[] = [];
  private nextBatch = 1;
  private closed = false;
  private respawnFailures = 0;
  private readonly counters = { batches: 0, texts: 0, refusedBusy: 0, aborted: 0, late: 0, replacedThreads: 0 };
  /** Recent wall time of a query batch, ms (a moving average; 0 until one has been timed). */
  private batchMs = 0;
  private readonly maxQueue: number;
  private readonly maxBatch: number;

  private constructor(
    private readonly spec: EncoderSpec,
    readonly id: string,
    readonly dimension: number,
    readonly languages: readonly string[] | 'any',
    opts: EncoderPoolOptions,
    private readonly log?: Logger,
  ) {
    this.maxQueue = opts.maxQueue ?? 64;
    this.maxBatch = opts.maxBatch ?? 16;
  }

  /** Starts the threads and resolves once every one has loaded the model. */
  static async start(spec: EncoderSpec, opts: EncoderPoolOptions = {}): Promise<EncoderPool> {
    const threads = Math.max(1, opts.threads ?? availableParallelism());
    const started = Array.from({ length: threads }, () => spawn(spec));
    let ready = await Promise.allSettled(started.map((s) => s.ready));
    // One more try for a thread that failed to start (a model that cannot load fails twice).
    if (ready.some((r) => r.status === 'rejected')) {
      ready = await Promise.allSettled(
        ready.map((r, i) => {
          if (r.status === 'fulfilled') return Promise.resolve(r.value);
          void started[i]!.worker.terminate();
          started[i] = spawn(spec);
          return started[i]!.ready;
        }),
      );
    }
    const failed = ready.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw (failed as PromiseRejectedResult).reason;
    }
    const first = (ready[0] as PromiseFulfilledResult<Extract<FromWorker, { type: 'ready' }>>).value;
    const pool = new EncoderPool(spec, first.id, first.dimension, first.languages, opts, opts.log);
    for (const s of started) pool.adopt(s.worker);
    return pool;
  }

  /** How many embed() calls can run at once (bulk callers keep every thread busy with this many). */
  get concurrency(): number {
    return this.slots.length;
  }

  stats(): EncoderPoolStats {
    return { threads: this.slots.length, queued: this.queuedTexts, ...this.counters };
  }

  embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const { signal, deadlineMs } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (texts.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.reject(new Error('the encoder pool is closed'));
    // A call bigger than the whole queue is still served when nothing waits (the index build).
    if (this.queue.length > 0 && this.queuedTexts + texts.length > this.maxQueue) {
      this.counters.refusedBusy++;
      return Promise.reject(new EngineBusyError());
    }
    if (deadlineMs !== undefined && this.expectedMs() > deadlineMs) {
      this.counters.late++;
      return Promise.reject(new EncoderLateError());
    }
    return new Promise<Float32Array[]>((resolve, reject) => {
      const onAbort = () => {
        if (call.settled) return;
        this.counters.aborted++;
        this.dequeue(call);
        settle(call, () => reject(signal!.reason));
      };
      // Still waiting for a thread: it leaves the queue. Being encoded: the batch finishes for
      // the other calls in it, this one's vectors are not waited for.
      const onLate = () => {
        if (call.settled) return;
        this.counters.late++;
        this.dequeue(call);
        settle(call, () => reject(new EncoderLateError()));
      };
      const timer = deadlineMs !== undefined ? setTimeout(onLate, deadlineMs) : undefined;
      const call: Call = {
        texts,
        resolve,
        reject,
        settled: false,
        crashes: 0,
        detach: () => {
          signal?.removeEventListener('abort', onAbort);
          clearTimeout(timer);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(call);
      this.queuedTexts += texts.length;
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const call of this.queue.splice(0)) settle(call, () => call.reject(new Error('the encoder pool is closed')));
    this.queuedTexts = 0;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /**
   * In how many ms a call joining the queue now would have its vectors, at the recent batch
   * time: the wait for a thread (the batches running, then the queue ahead in batches of up
   * to maxBatch texts, one per thread as each comes free), plus its own batch. 0 while a
   * thread is idle (the call starts at once, and its batch keeps the estimate current) or
   * before any batch has been timed.
   */
  private expectedMs(): number {
    const ready = this.slots.filter((s) => s.ready);
    if (this.batchMs === 0 || ready.length === 0 || ready.some((s) => !s.busy)) return 0;
    const now = performance.now();
    const freeIn = ready.map((s) => Math.max(0, this.batchMs - (now - s.busy!.startedAt))).sort((a, b) => a - b);
    const batchesAhead = Math.floor(this.queuedTexts / this.maxBatch);
    return freeIn[batchesAhead % ready.length]! + Math.floor(batchesAhead / ready.length) * this.batchMs + this.batchMs;
  }

  private dequeue(call: Call): void {
    const i = this.queue.indexOf(call);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedTexts -= call.texts.length;
    }
  }

  /** Gives every idle thread the longest run of waiting calls that fits in one batch. */
  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.busy) continue;
      const calls = [this.queue.shift()!];
      let size = calls[0]!.texts.length;
      // A call that was in a crashed batch goes alone, so one poisonous text cannot take its neighbours down twice.
      const alone = (c: Call) => c.crashes > 0;
      while (this.queue.length > 0 && !alone(calls[0]!) && !alone(this.queue[0]!) && size + this.queue[0]!.texts.length <= this.maxBatch) {
        const next = this.queue.shift()!;
        size += next.texts.length;
        calls.push(next);
      }
      this.queuedTexts -= size;
      const batch = this.nextBatch++;
      slot.busy = { batch, calls, texts: size, startedAt: performance.now() };
      slot.worker.ref(); // a thread at work keeps the process alive; an idle one does not
      const texts = calls.flatMap((c) => c.texts);
      this.counters.batches++;
      this.counters.texts += texts.length;
      slot.worker.postMessage({ batch, texts } satisfies ToWorker);
    }
  }

  private adopt(worker: Worker): Slot {
    const slot: Slot = { worker, ready: true };
    this.slots.push(slot);
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.log?.error({ err: err.message }, 'encoder thread failed'));
    worker.on('exit', (code) => this.onExit(slot, code));
    worker.unref(); // after the listeners: adding a 'message' listener refs the port again
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true;
      this.respawnFailures = 0;
      slot.worker.unref();
      this.pump();
      return;
    }
    if (m.type === 'failed') return; // the thread exits next; onExit replaces it
    const busy = slot.busy;
    if (!busy || busy.batch !== m.batch) return;
    slot.busy = undefined;
    slot.worker.unref();
    if (m.type === 'done') {
      // Query batches set the estimate (the index build's batches of 64 would not say what a query waits).
      if (busy.texts <= this.maxBatch) {
        const ms = performance.now() - busy.startedAt;
        this.batchMs = this.batchMs === 0 ? ms : 0.8 * this.batchMs + 0.2 * ms;
      }
      let offset = 0;
      for (const call of busy.calls) {
        // Copies, so a cached query vector does not keep its whole batch's buffer alive.
        const vectors = call.texts.map((_, i) => m.flat.slice((offset + i) * this.dimension, (offset + i + 1) * this.dimension));
        offset += call.texts.length;
        settle(call, () => call.resolve(vectors));
      }
    } else {
      for (const call of busy.calls) settle(call, () => call.reject(new Error(`the sentence encoder failed: ${m.error}`)));
    }
    this.pump();
  }

  private onExit(slot: Slot, code: number): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (this.closed) return;
    this.log?.warn({ code, crashed: slot.busy?.calls.length ?? 0 }, 'encoder thread exited; starting a replacement');
    // The calls it was serving go back to the front once; a text that kills two threads is refused.
    const retry: Call[] = [];
    for (const call of slot.busy?.calls ?? []) {
      if (call.settled) continue;
      if (++call.crashes >= 2) settle(call, () => call.reject(new Error('the sentence encoder crashed twice on this text')));
      else retry.push(call);
    }
    this.queue.unshift(...retry);
    this.queuedTexts += retry.reduce((n, c) => n + c.texts.length, 0);
    // Back off when replacements keep failing (a model that cannot load must not spin the CPU).
    const delay = slot.ready ? 0 : Math.min(30_000, 100 * 2 ** this.respawnFailures++);
    const timer = setTimeout(() => {
      if (this.closed) return;
      this.counters.replacedThreads++;
      const { worker, ready } = spawn(this.spec);
      ready.catch(() => undefined); // a failed start is handled by onExit like any other exit
      const fresh = this.adopt(worker);
      fresh.ready = false; // until it says so
      fresh.worker.ref();
    }, delay);
    timer.unref();
    this.pump();
  }
}

function spawn(spec: EncoderSpec): { worker: Worker; ready: Promise<Extract<FromWorker, { type: 'ready' }>> } {
  const worker = new Worker(WORKER_URL, { workerData: spec });
  const ready = new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'failed') reject(new Error(`the sentence encoder could not start: ${m.error}`));
      else return;
      worker.off('message', onMessage);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the encoder thread exited with code ${code} while starting`)));
  });
  return { worker, ready };
}
