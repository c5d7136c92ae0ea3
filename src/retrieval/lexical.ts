import MiniSearch from 'minisearch';
import type { Phrasing, PhrasingKind } from './corpus.js';
import { soundTokens } from './sound.js';
import { isStopWord, tokenize } from './text.js';

/** Cause titles describe why, not what the operator sees: they count for less. */
const KIND_BOOST: Record<PhrasingKind, number> = { symptom: 1, title: 1, cause: 0.5 };
/** How a word sounds counts for less than how it is written (chosen on the calibration set). */
export const SOUND_BOOST = 0.3;

export interface LexicalHit {
  phrasing: number;
  score: number;
  /** Query tokens this phrasing matched (exactly, by fuzzy match, or by sound: "py:bi_jia", "mp:STF"). */
  matched: string[];
}

const sounds = (text: string) => soundTokens(text, isStopWord);

/**
 * The BM25 channel (MiniSearch implements BM25+) over two fields of every phrasing: its
 * words from our own tokenizer (Chinese segmented, English stemmed, the same way at index
 * and query time; Latin words of five letters or more that the manual does not use also
 * match its words within one or two typos)
 * and its sound tokens (pinyin of Chinese, Double Metaphone of English), so homophones
 * and misspellings that no edit distance reaches still match, at a lower weight.
 */
export class LexicalIndex {
  private readonly search: MiniSearch<{ id: number; text: string; sound: string }>;
  private readonly docFreq = new Map<string, number>();

  constructor(
    private readonly corpus: readonly Phrasing[],
    readonly soundBoost = SOUND_BOOST,
  ) {
    this.search = new MiniSearch({
      fields: ['text', 'sound'],
      idField: 'id',
      tokenize: (text, field) => (field === 'sound' ? sounds(text) : tokenize(text)),
      processTerm: (t) => t,
      searchOptions: {
        combineWith: 'OR',
        tokenize: (text) => [...tokenize(text), ...(soundBoost > 0 ? sounds(text) : [])],
        boost: { text: 1, sound: soundBoost },
        // Typo tolerance only for words the manual does not have: the fuzzy walk of the
        // index is the dearest part of a query, and a known word needs none.
        fuzzy: (term) => (term.length >= 5 && /^[a-z]+$/.test(term) && !this.docFreq.has(term) ? 0.2 : false),
        prefix: false,
        boostDocument: (id) => KIND_BOOST[corpus[id as number]!.kind],
      },
    });
    this.search.addAll(corpus.map((p) => ({ id: p.index, text: p.text, sound: p.text })));
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

  /** The manual uses this token somewhere. */
  knows(token: string): boolean {
    return this.docFreq.has(token);
  }
}
