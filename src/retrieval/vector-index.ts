import hnswlib from 'hnswlib-node';

export interface VectorHit {
  label: number;
  /** Cosine similarity (vectors are unit length, so the inner product). */
  similarity: number;
}

/** Nearest-neighbour search over unit vectors; labels are corpus positions. */
export interface VectorSearch {
  readonly size: number;
  search(query: Float32Array, k: number, allow?: (label: number) => boolean): VectorHit[];
}

export const HNSW_PARAMS = { m: 16, efConstruction: 200, efSearch: 64, seed: 42 } as const;

/** Approximate search with HNSW (hnswlib-node), the production path. */
export class HnswVectorIndex implements VectorSearch {
  private constructor(
    private readonly index: hnswlib.HierarchicalNSW,
    readonly size: number,
  ) {}

  static build(dimension: number, vectors: ReadonlyMap<number, Float32Array>): HnswVectorIndex {
    const index = new hnswlib.HierarchicalNSW('ip', dimension);
    index.initIndex(Math.max(1, vectors.size), HNSW_PARAMS.m, HNSW_PARAMS.efConstruction, HNSW_PARAMS.seed);
    for (const [label, v] of vectors) index.addPoint(Array.from(v), label);
    index.setEf(HNSW_PARAMS.efSearch);
    return new HnswVectorIndex(index, vectors.size);
  }

  static read(path: string, dimension: number): HnswVectorIndex {
    const index = new hnswlib.HierarchicalNSW('ip', dimension);
    index.readIndexSync(path);
    index.setEf(HNSW_PARAMS.efSearch);
    return new HnswVectorIndex(index, index.getCurrentCount());
  }

  /** Trades speed for recall at query time (hnswlib's ef). */
  setEfSearch(ef: number): void {
    this.index.setEf(ef);
  }

  write(path: string): void {
    this.index.writeIndexSync(path);
  }

  search(query: Float32Array, k: number, allow?: (label: number) => boolean): VectorHit[] {
    const n = Math.min(k, this.size);
    if (n === 0) return [];
    const { neighbors, distances } = this.index.searchKnn(Array.from(query), n, allow);
    return neighbors.map((label, i) => ({ label, similarity: 1 - distances[i]! }));
  }
}

/** Exact brute-force cosine search: the baseline HNSW is measured against. */
export class ExactVectorIndex implements VectorSearch {
  private readonly labels: number[];
  private readonly matrix: Float32Array;

  constructor(
    private readonly dimension: number,
    vectors: ReadonlyMap<number, Float32Array>,
  ) {
    this.labels = [...vectors.keys()];
    this.matrix = new Float32Array(this.labels.length * dimension);
    let row = 0;
    for (const v of vectors.values()) this.matrix.set(v, row++ * dimension);
  }

  get size(): number {
    return this.labels.length;
  }

  search(query: Float32Array, k: number, allow?: (label: number) => boolean): VectorHit[] {
    const hits: VectorHit[] = [];
    const d = this.dimension;
    for (let r = 0; r < this.labels.length; r++) {
      const label = this.labels[r]!;
      if (allow && !allow(label)) continue;
      let dot = 0;
      const base = r * d;
      for (let j = 0; j < d; j++) dot += this.matrix[base + j]! * query[j]!;
      hits.push({ label, similarity: dot });
    }
    hits.sort((a, b) => b.similarity - a.similarity);
    return hits.slice(0, k);
  }
}
