import MiniSearch from 'minisearch';
import type { Phrasing, PhrasingKind } from './corpus.js';
import { tokenize } from './text.js';

/** Cause titles describe why, not what the operator sees: they count for less. */
const KIND_BOOST: Record<PhrasingKind, number> = { symptom: 1, title: 1, cause: 0.5 };

export interface LexicalHit {
  phrasing: number;
  score: number;
  /** Query tokens this phrasing matched (exactly or by fuzzy match). */
  matched: string[];
}

/**
 * The BM25 channel (MiniSearch implements BM25+). Tokens come from our own tokenizer,
 * so Chinese is segmented and English stemmed the same way at index and query time;
 * Latin tokens of five letters or more also match with one or two typos.
 */
export class LexicalIndex {
  private readonly search: MiniSearch<{ id: number; text: string }>;
  private readonly docFreq = new Map<string, number>();

  constructor(private readonly corpus: readonly Phrasing[]) {
    this.search = new MiniSearch({
      fields: ['text'],
      idField: 'id',
      tokenize,
      processTerm: (t) => t,
      searchOptions: {
        combineWith: 'OR',
        fuzzy: (term) => (term.length >= 5 && /^[a-z]+$/.test(term) ? 0.2 : false),
        prefix: false,
        boostDocument: (id) => KIND_BOOST[corpus[id as number]!.kind],
      },
    });
    this.search.addAll(corpus.map((p) => ({ id: p.index, text: p.text })));
    for (const p of corpus) {
      for (const t of new Set(tokenize(p.text))) this.docFreq.set(t, (this.docFreq.get(t) ?? 0) + 1);
    }
  }

  query(text: string, allow?: (p: Phrasing) => boolean): LexicalHit[] {
    const filter = allow ? (r: { id: number }) => allow(this.corpus[r.id]!) : undefined;
    return this.search
      .search(text, filter ? { filter: (r) => filter(r as unknown as { id: number }) } : undefined)
      .map((r) => ({ phrasing: r.id as number, score: r.score, matched: r.queryTerms }));
  }

  /**
   * How much a token tells: inverse document frequency over the phrasings. A word the
   * manual never uses ("excavator", "invoice") is the most informative of all, which is
   * what lets an unmatched query word pull the confidence down.
   */
  idf(token: string): number {
    const df = this.docFreq.get(token) ?? 0;
    return Math.log(1 + (this.corpus.length - df + 0.5) / (df + 0.5));
  }
}
