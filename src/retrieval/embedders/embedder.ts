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
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

export function l2normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
