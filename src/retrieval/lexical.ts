import MiniSearch from 'minisearch';
import type { Phrasing, PhrasingKind } from './corpus.js';
import { chineseSoundPairs, pinyinSyllables, soundTokens } from './sound.js';
import { isStopWord, queryUnits, tokenize } from './text.js';

/** Distinct query words whose hits are remembered (a few MB at most). */
const TERM_CACHE_SIZE = 20_000;

/** Cause titles describe why, not what the operator sees: they count for less. */
const KIND_BOOST: Record<PhrasingKind, number> = { symptom: 1, title: 1, cause: 0.5 };
/** How a word sounds counts for less than how it is written (chosen on the calibration set). */
export const SOUND_BOOST = 0.3;
const CJK_TOKEN = /[\u3400-\u9fff\uf900-\ufaff]/u;

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
    const { written, sound, unitWeight, count } = this.queryTerms(text);
    // Per phrasing: the written tokens and the sound tokens it matched.
    const byPhrasing = new Map<number, { written: Map<string, number>; sound: Map<string, number> }>();
    const collect = (terms: Map<string, Set<string>>, field: 'written' | 'sound') => {
      for (const term of terms.keys()) {
        for (const { phrasing, score } of this.termHits(term)) {
          if (allow && !allow(this.corpus[phrasing]!)) continue;
          let m = byPhrasing.get(phrasing);
          if (!m) byPhrasing.set(phrasing, (m = { written: new Map(), sound: new Map() }));
          m[field].set(term, score * (count.get(term) ?? 1));
        }
      }
    };
    collect(written, 'written');
    if (this.soundBoost > 0) collect(sound, 'sound');
    const hits: LexicalHit[] = [];
    for (const [phrasing, m] of byPhrasing) {
      const covered = new Set<string>();
      let score = 0;
      const matched: string[] = [];
      for (const [term, s] of m.written) {
        score += s;
        matched.push(term);
        for (const u of written.get(term)!) covered.add(u);
      }
      for (const [term, s] of m.sound) {
        score += s;
        matched.push(term);
      }
      for (const term of m.sound.keys()) for (const u of sound.get(term)!) covered.add(u);
      // MiniSearch's "quality": the score grows with how much of the query the phrasing
      // matched. English: each matched word and sound code, as MiniSearch counts them;
      // Chinese by characters covered (half a word each), not by the words, bigrams and
      // pinyin pairs that overlap on one character (打着打着 is not six matches).
      let units = 0;
      for (const u of covered) if (u.startsWith('c')) units += unitWeight.get(u)!;
      for (const term of matched) if (!CJK_TOKEN.test(term) && !term.startsWith('py:')) units++;
      hits.push({ phrasing, score: score * Math.max(1, units), matched });
    }
    return hits.sort((a, b) => b.score - a.score);
  }

  /** The query's written and sound tokens, each with the units of meaning (words, characters) it stands for. */
  private queryTerms(text: string) {
    const q = queryUnits(text);
    const sound = new Map<string, Set<string>>();
    const count = new Map(q.count);
    if (this.soundBoost > 0) {
      for (const run of q.runs) {
        if (run.cjk) {
          // One pinyin bigram per neighbouring pair of characters (a lone character: one syllable).
          const pairs = chineseSoundPairs(run.text);
          const aligned = pinyinSyllables(run.text).length === run.units.length;
          for (const { code, start, end } of pairs) {
            const units = aligned ? run.units.slice(start, end) : run.units;
            let s = sound.get(code);
            if (!s) sound.set(code, (s = new Set()));
            for (const u of units) s.add(u);
            count.set(code, (count.get(code) ?? 0) + 1);
          }
        } else {
          for (const code of sounds(run.text)) {
            let s = sound.get(code);
            if (!s) sound.set(code, (s = new Set()));
            s.add(run.units[0]!);
            count.set(code, (count.get(code) ?? 0) + 1);
          }
        }
      }
    }
    return { written: q.written, sound, unitWeight: q.unitWeight, count };
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
