/**
 * A sentence encoder. Implementations must return L2-normalised vectors so that the
 * inner product equals cosine similarity (the HNSW index uses the "ip" space).
 */
export interface Embedder {
  /** Stable identity of model + settings; part of the on-disk index cache key. */
  readonly id: string;
  readonly dimension: number;
  /**
   * Languages the model was trained on (ISO 639-1 codes), or "any" for multilingual
   * models. Retrieval mutes the dense channel for queries in a language the model
   * does not know, so that an English-only model cannot drown the lexical channel.
   */
  readonly languages: readonly string[] | 'any';
  /**
   * May reject with EngineBusyError when its queue is full (back-pressure), and with
   * the signal's reason when the signal aborts before the texts were encoded.
   */
  embed(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array[]>;
  /** How many embed() calls it serves at once (an encoder pool: its threads); default 1. */
  readonly concurrency?: number;
  /** Releases threads or native sessions. */
  close?(): Promise<void>;
}

export interface EmbedOptions {
  /** The asker has gone: work not yet started is dropped. */
  signal?: AbortSignal;
  /**
   * The vectors are worth waiting for this long at most (an encoder-time budget): later,
   * embed() rejects with EncoderLateError (at once when the queue already says so), and
   * the caller answers without them. Unset: wait as long as it takes.
   */
  deadlineMs?: number;
}

/**
 * The sentence encoder's queue is full: try again shortly. Staff calls answer 503 with
 * Retry-After; the bot says "one moment, please try again" and keeps the conversation.
 */
export class EngineBusyError extends Error {
  override name = 'EngineBusyError';
  constructor(readonly retryAfterSeconds = 1) {
    super('the suggestion engine is busy; try again in a moment');
  }
}

/**
 * The sentence encoder could not answer within the caller's budget (its threads are busy
 * with other texts, or the machine is short of CPU): the caller answers without vectors.
 */
export class EncoderLateError extends Error {
  override name = 'EncoderLateError';
  constructor() {
    super('the sentence encoder could not answer within its time budget');
  }
}

export function l2normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
