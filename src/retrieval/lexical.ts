import MiniSearch from 'minisearch';
import type { Phrasing, PhrasingKind } from './corpus.js';
import { soundTokens } from './sound.js';
import { isStopWord, tokenize } from './text.js';

/** Distinct query words whose hits are remembered (a few MB at most). */
const TERM_CACHE_SIZE = 20_000;

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
  private readonly termCache = new Map<string, readonly { phrasing: number; score: number }[]>();

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

  /**
   * BM25 over the query's tokens. MiniSearch sums one score per query token (OR), so
   * the sum is taken here from each distinct token's hits, remembered per token: the
   * fuzzy expansion of a word (a walk of the term tree within one or two edits) is
   * about 85 % of the lexical work on a long English text, and operators reuse a small
   * vocabulary, so a word's hits are computed once, not once per request and per repeat.
   */
  query(text: string, allow?: (p: Phrasing) => boolean): LexicalHit[] {
    const counts = new Map<string, number>();
    // Written words and, unless switched off, how they sound (the homophone channel).
    const terms = this.soundBoost > 0 ? [...tokenize(text), ...sounds(text)] : tokenize(text);
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
    const byPhrasing = new Map<number, LexicalHit>();
    for (const [term, n] of counts) {
      for (const { phrasing, score } of this.termHits(term)) {
        if (allow && !allow(this.corpus[phrasing]!)) continue;
        const hit = byPhrasing.get(phrasing);
        if (hit) {
          hit.score += score * n;
          hit.matched.push(term);
        } else byPhrasing.set(phrasing, { phrasing, score: score * n, matched: [term] });
      }
    }
    // MiniSearch's "quality": a phrasing's score is multiplied by how many distinct query words it matched.
    for (const hit of byPhrasing.values()) hit.score *= hit.matched.length;
    return [...byPhrasing.values()].sort((a, b) => b.score - a.score);
  }

  private termHits(term: string): readonly { phrasing: number; score: number }[] {
    let hits = this.termCache.get(term);
    if (hits) {
      this.termCache.delete(term); // least recently used goes first
    } else {
      hits = this.search.search(term, { tokenize: (t) => [t] }).map((r) => ({ phrasing: r.id as number, score: r.score }));
      if (this.termCache.size >= TERM_CACHE_SIZE) this.termCache.delete(this.termCache.keys().next().value!);
    }
    this.termCache.set(term, hits);
    return hits;
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
