import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { KnowledgeBase } from '../knowledge/load.js';
import { EncoderLateError, EngineBusyError, type Embedder } from './embedders/embedder.js';
import type { SuggestOptions, SuggestResponse } from './engine.js';
import type { IntentRoute, LanguageData } from './language-data.js';
import type { MachineReading, Retrieval } from './retrieval.js';
import { settle, type WaitingCall } from './waiting-call.js';

/** What a retrieval thread loads (structured-clonable). */
export interface EngineThreadSpec {
  knowledgeDir: string;
  /** The dense index cache the main thread has written (openDenseChannel). */
  indexDir: string;
  /** The main thread's encoder, asked by message; absent: lexical only. */
  encoder?: { id: string; dimension: number; languages: readonly string[] | 'any' };
  /** The encoder-time budget, ms (SuggestionEngine.encoderBudgetMs). */
  budgetMs?: number;
}

export type Ask =
  | { op: 'suggest'; text: string; opts: Pick<SuggestOptions, 'productLine' | 'limit'> }
  | { op: 'machine'; text: string }
  | { op: 'intent'; text: string };

export interface ThreadError {
  name: string;
  message: string;
  retryAfterSeconds?: number;
}

export type ToThread =
  | { type: 'ask'; id: number; ask: Ask }
  | { type: 'cancel'; id: number }
  /** The dense index is in the cache: the thread may open it. */
  | { type: 'index' }
  | { type: 'vectors'; call: number; flat?: Float32Array; error?: ThreadError };

export type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'answer'; id: number; value: unknown }
  | { type: 'refused'; id: number; error: ThreadError }
  | { type: 'embed'; call: number; ask?: number; texts: string[]; deadlineMs?: number };

export interface EngineThreadsOptions {
  /** Retrieval threads (each with its own lexical index); at least 1. */
  threads: number;
  /** Asks in flight (all threads) before new ones are refused with EngineBusyError; default 128. */
  maxInFlight?: number;
  /** The sentence encoder the threads' dense channels ask for query vectors (the encoder pool); closed with the threads. */
  encoder?: Embedder;
  log?: Logger;
  /**
   * Settles when the main thread has written (or checked) the dense index cache: the threads
   * load the manual meanwhile and open the index after. Rejected: start() fails.
   */
  indexReady?: Promise<void>;
}

interface Pending extends WaitingCall {
  id: number;
  ask: Ask;
  resolve(value: unknown): void;
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Started to replace one that died (a failed start is retried, not reported). */
  replacement: boolean;
  inFlight: Map<number, Pending>;
}

/** Counters for operators and benchmarks. */
export interface EngineThreadsStats {
  threads: number;
  inFlight: number;
  asks: number;
  refusedBusy: number;
  replacedThreads: number;
}

const THREAD_URL = new URL('./engine-thread.js', import.meta.url);
/** A text goes to the thread that read it last (its reading is remembered) unless that thread is this many asks busier. */
const AFFINITY_SLACK = 2;

/**
 * The retrieval engine off the event loop: worker threads, each with its own copy of the
 * lexical index, answer suggest / detectMachine / detectIntent, so the main thread only
 * parses HTTP, runs the dialogs and writes the store. Chat turns and health checks no
 * longer wait behind the ranking of other people's descriptions.
 *
 * - **Affinity**: one chat turn asks about the same text several times (its intent, its
 *   machine, two rankings); a text goes to the thread that has its reading cached, unless
 *   that thread is clearly busier than another.
 * - **Back-pressure**: beyond maxInFlight asks, new ones are refused with EngineBusyError
 *   (503 with Retry-After for staff, "one moment" in the chat).
 * - **Abandoned asks** (an AbortSignal) are answered at once and cancelled in the thread,
 *   whose queued encoder work the encoder pool drops.
 * - **Crashes**: a thread that dies is replaced; the asks it was serving go to another
 *   thread once (a text that kills two threads is refused with an error).
 */
export class EngineThreads implements Retrieval {
  private readonly slots: Slot[] = [];
  /** Asks waiting for a thread to be ready (all threads are being replaced). */
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private respawnFailures = 0;
  private readonly observers: ((r: SuggestResponse) => void)[] = [];
  private readonly counters = { asks: 0, refusedBusy: 0, replacedThreads: 0 };
  private readonly maxInFlight: number;

  private constructor(
    readonly kb: KnowledgeBase,
    readonly language: LanguageData,
    private readonly spec: EngineThreadSpec,
    private readonly opts: EngineThreadsOptions,
  ) {
    this.maxInFlight = opts.maxInFlight ?? 128;
  }

  /** Starts the threads and resolves once every one has loaded its engine. */
  static async start(
    kb: KnowledgeBase,
    language: LanguageData,
    spec: EngineThreadSpec,
    opts: EngineThreadsOptions,
  ): Promise<EngineThreads> {
    const engine = new EngineThreads(kb, language, spec, opts);
    try {
      await Promise.all([opts.indexReady, ...Array.from({ length: Math.max(1, opts.threads) }, () => engine.spawn())]);
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  stats(): EngineThreadsStats {
    return { threads: this.slots.length, inFlight: this.inFlight(), ...this.counters };
  }

  observe(fn: (r: SuggestResponse) => void): void {
    this.observers.push(fn);
  }

  async suggest(text: string, opts: SuggestOptions = {}): Promise<SuggestResponse> {
    const { signal, productLine, limit } = opts;
    const response = (await this.ask({ op: 'suggest', text, opts: { productLine, limit } }, signal)) as SuggestResponse;
    for (const fn of this.observers) fn(response);
    return response;
  }

  async detectMachine(text: string): Promise<MachineReading> {
    return (await this.ask({ op: 'machine', text })) as MachineReading;
  }

  async detectIntent(text: string): Promise<{ id: string; route: IntentRoute } | undefined> {
    return ((await this.ask({ op: 'intent', text })) as { id: string; route: IntentRoute } | null) ?? undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const gone = new Error('the retrieval engine is closed');
    for (const p of [...this.waiting.splice(0), ...this.slots.flatMap((s) => [...s.inFlight.values()])]) settle(p, () => p.reject(gone));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
    await this.opts.encoder?.close?.();
  }

  private inFlight(): number {
    return this.waiting.length + this.slots.reduce((n, s) => n + s.inFlight.size, 0);
  }

  private ask(ask: Ask, signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the retrieval engine is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.inFlight() >= this.maxInFlight) {
      this.counters.refusedBusy++;
      return Promise.reject(new EngineBusyError());
    }
    this.counters.asks++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (p.settled) return;
        const i = this.waiting.indexOf(p);
        if (i >= 0) this.waiting.splice(i, 1);
        for (const slot of this.slots) {
          if (slot.inFlight.delete(p.id)) {
            slot.worker.postMessage({ type: 'cancel', id: p.id } satisfies ToThread);
            if (slot.inFlight.size === 0) slot.worker.unref();
          }
        }
        settle(p, () => reject(signal!.reason));
      };
      const p: Pending = {
        id: this.nextId++,
        ask,
        resolve,
        reject,
        signal,
        settled: false,
        crashes: 0,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.dispatch(p);
    });
  }

  /** To the thread holding the text's reading, unless it is clearly busier than the least busy one. */
  private dispatch(p: Pending): void {
    const ready = this.slots.filter((s) => s.ready);
    if (ready.length === 0) {
      this.waiting.push(p);
      return;
    }
    const preferred = ready[hash(p.ask.text) % ready.length]!;
    const least = ready.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
    const slot = preferred.inFlight.size <= least.inFlight.size + AFFINITY_SLACK ? preferred : least;
    if (slot.inFlight.size === 0) slot.worker.ref(); // a thread at work keeps the process alive; an idle one does not
    slot.inFlight.set(p.id, p);
    slot.worker.postMessage({ type: 'ask', id: p.id, ask: p.ask } satisfies ToThread);
  }

  private spawn(replacement = false): Promise<void> {
    const worker = new Worker(THREAD_URL, { workerData: this.spec });
    // Posted once the index is on disk (at once for a replacement); the thread hears it when it gets there.
    (this.opts.indexReady ?? Promise.resolve()).then(
      () => worker.postMessage({ type: 'index' } satisfies ToThread),
      () => undefined, // start() fails and closes the threads
    );
    const slot: Slot = { worker, ready: false, replacement, inFlight: new Map() };
    this.slots.push(slot);
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') {
          slot.ready = true;
          this.respawnFailures = 0;
          worker.unref();
          resolve();
          for (const p of this.waiting.splice(0)) this.dispatch(p);
        } else if (m.type === 'failed') reject(new Error(`a retrieval thread could not start: ${m.error}`));
        else this.onMessage(slot, m);
      });
      worker.once('exit', (code) => reject(new Error(`a retrieval thread exited with code ${code} while starting`)));
    });
    worker.on('error', (err) => this.opts.log?.error({ err: err.message }, 'retrieval thread failed'));
    worker.on('exit', (code) => this.onExit(slot, code));
    return ready;
  }

  private onMessage(slot: Slot, m: Exclude<FromThread, { type: 'ready' | 'failed' }>): void {
    if (m.type === 'embed') return this.embedFor(slot, m);
    const p = slot.inFlight.get(m.id);
    if (!p) return; // cancelled
    slot.inFlight.delete(m.id);
    if (slot.inFlight.size === 0) slot.worker.unref();
    if (m.type === 'answer') settle(p, () => p.resolve(m.value));
    else settle(p, () => p.reject(rebuildError(m.error)));
  }

  /** A thread's dense channel asks the encoder pool for vectors (with its ask's signal, so a gone asker's work is dropped). */
  private embedFor(slot: Slot, m: Extract<FromThread, { type: 'embed' }>): void {
    const reply = (r: Omit<Extract<ToThread, { type: 'vectors' }>, 'type' | 'call'>, transfer: ArrayBuffer[] = []) =>
      slot.worker.postMessage({ type: 'vectors', call: m.call, ...r } satisfies ToThread, transfer);
    const encoder = this.opts.encoder;
    if (!encoder) return reply({ error: { name: 'Error', message: 'no sentence encoder' } });
    const signal = m.ask !== undefined ? slot.inFlight.get(m.ask)?.signal : undefined;
    encoder.embed(m.texts, { signal, deadlineMs: m.deadlineMs }).then(
      (vectors) => {
        const d = encoder.dimension;
        const flat = new Float32Array(vectors.length * d);
        vectors.forEach((v, i) => flat.set(v, i * d));
        reply({ flat }, [flat.buffer]);
      },
      (err: unknown) => reply({ error: describeError(err) }),
    );
  }

  private onExit(slot: Slot, code: number): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (this.closed || (!slot.ready && !slot.replacement)) return; // a first start that fails is reported by start()
    if (slot.ready) this.opts.log?.warn({ code, crashed: slot.inFlight.size }, 'retrieval thread exited; starting a replacement');
    else this.respawnFailures++;
    // Back off when replacements keep failing (a manual that cannot load must not spin the CPU).
    const delay = slot.ready ? 0 : Math.min(30_000, 100 * 2 ** this.respawnFailures);
    const timer = setTimeout(() => {
      if (this.closed) return;
      this.counters.replacedThreads++;
      this.spawn(true).catch((err: Error) => this.opts.log?.error({ err: err.message }, 'a replacement retrieval thread failed to start'));
    }, delay);
    timer.unref();
    // The asks it was serving go to another thread once; a text that kills two threads is refused.
    for (const p of slot.inFlight.values()) {
      if (p.settled) continue;
      if (++p.crashes >= 2) settle(p, () => p.reject(new Error('the retrieval engine crashed twice on this text')));
      else this.dispatch(p);
    }
  }
}

/** An error as it crosses between threads (its class by name: busy and late are handled by callers). */
export function describeError(err: unknown): ThreadError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, retryAfterSeconds: e instanceof EngineBusyError ? e.retryAfterSeconds : undefined };
}

export function rebuildError(e: ThreadError): Error {
  if (e.name === 'EngineBusyError') return new EngineBusyError(e.retryAfterSeconds);
  if (e.name === 'EncoderLateError') return new EncoderLateError();
  return Object.assign(new Error(e.message), { name: e.name });
}

/** FNV-1a: which thread a text prefers. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
