import { doubleMetaphone } from 'double-metaphone';
import type { Phrasing } from './corpus.js';
import { isEnglishWord } from './english-words.js';
import type { LanguageData } from './language-data.js';
import { normaliseText } from './phrases.js';
import { isStopWord, stemEn, stopWords } from './text.js';

/**
 * English spelling correction before anything reads the message: a typed word the engine
 * does not know ("hyrdaulic", "slidding", "screeed") is replaced by the word of its
 * vocabulary it was meant to be, so that the clause analysis, the machine names, the line
 * votes and the confidence all see the manual's word, not only the fuzzy lexical match.
 *
 * The vocabulary is the manual's own words (each with how often its phrasings use it) and
 * the other words the engine knows: stop words, the cue words of the message analysis, the
 * request vocabulary, the names of other machines and of brands; and every real English
 * word (a Hunspell dictionary, english-words.ts: "louder" is not a typo of "loader"). A known
 * word — as written or by its stem — is never changed. A dropped g ("heatin", "makin") is
 * put back when that makes a known word. An unknown word of five letters or more is corrected
 * within one edit (insertion, deletion, substitution, or a swap of neighbours), of eight or
 * more within two, and only when one word is nearest (of those, the one that sounds like it)
 * or one manual word is clearly the most used of the nearest; a word written without its
 * vowels ("pmp", "frnt") is the one manual word with those consonants. Words split by a space ("out rigers", "hydro lic") are joined, and
 * words run together ("boomwont") split, when that gives vocabulary words.
 *
 * Lookup is SymSpell's: every vocabulary word's deletions (one, or two for words of six
 * letters and more) are indexed once; a typed word's deletions are looked up there and the
 * few candidates checked with the true edit distance, so a query costs a few map lookups
 * per unknown word, not a walk of the vocabulary.
 */

export interface Correction {
  /** What was typed (lower-cased; two words when joined). */
  from: string;
  /** What it is read as (two words when split). */
  to: string;
}

const WORD = /[a-z]+(?:'[a-z]+)?/g;
/** Shortest typed word corrected at all; and the length from which two edits are allowed. */
const MIN_ONE_EDIT = 5;
const MIN_TWO_EDITS = 8;
/** A manual word wins a tie of nearest words when used this many times more than the next (and at least twice). */
const CLEAR_LEAD = 3;
/** A joined word counts only from this length ("in to" is not "into" here). */
const MIN_JOINED = 6;

export class SpellingCorrector {
  /** Every known word → how often the manual's phrasings use it (0: known, but not a manual word). */
  private readonly frequency = new Map<string, number>();
  /** Stems of the manual's words: an inflection the manual does not write ("drifts") is still known. */
  private readonly stems = new Set<string>();
  /** Deletion form → the vocabulary words it comes from. */
  private readonly deletions = new Map<string, string[]>();
  /** A manual word's consonants → the words ("pmp" is "pump", "pavr" "paver": texting drops vowels). */
  private readonly skeletons = new Map<string, string[]>();

  constructor(
    corpus: readonly Phrasing[],
    otherWords: Iterable<string>,
    private readonly realWord: (word: string) => boolean = isEnglishWord,
  ) {
    for (const p of corpus) {
      if (p.lang !== 'en') continue;
      for (const w of normaliseText(p.text).match(WORD) ?? []) {
        const bare = w.replace(/'/g, '');
        this.frequency.set(bare, (this.frequency.get(bare) ?? 0) + 1);
        this.stems.add(stemEn(bare));
      }
    }
    const extra = [...stopWords(), ...otherWords];
    for (const text of extra) {
      for (const w of normaliseText(text).match(WORD) ?? []) {
        const bare = w.replace(/'/g, '');
        if (!this.frequency.has(bare)) this.frequency.set(bare, 0);
      }
    }
    for (const [word, n] of this.frequency) {
      const skeleton = withoutVowels(word);
      if (n > 0 && skeleton.length >= 3 && skeleton !== word) {
        const list = this.skeletons.get(skeleton);
        if (list) list.push(word);
        else this.skeletons.set(skeleton, [word]);
      }
      if (word.length < MIN_ONE_EDIT - 1) continue;
      for (const d of deletionsOf(word, word.length >= MIN_TWO_EDITS - 2 ? 2 : 1)) {
        const list = this.deletions.get(d);
        if (list) list.push(word);
        else this.deletions.set(d, [word]);
      }
    }
  }

  /** The engine knows this word: written so, or an inflection of a manual word. */
  knows(word: string): boolean {
    const bare = word.replace(/'/g, '');
    return this.frequency.has(bare) || isStopWord(bare) || this.stems.has(stemEn(bare)) || this.realWord(bare);
  }

  /** The text with its misspelt English words corrected (everything else as it was), and what was changed. */
  correct(text: string): { text: string; corrections: Correction[] } {
    const lower = normaliseText(text);
    const cased = text.normalize('NFKC');
    // A short word in capitals is an acronym ("SPN 157 FMI 1"), not a word to correct.
    const acronym = (start: number, end: number) =>
      cased.length === lower.length && end - start <= 4 && /^[A-Z]+$/.test(cased.slice(start, end));
    // Only whole ASCII words: "88c", "qtz80", "vögele" and Chinese are left as they are.
    const words = [...lower.matchAll(WORD)].filter((m) => isWholeWord(lower, m.index, m.index + m[0].length));
    if (words.length === 0) return { text, corrections: [] };
    const corrections: Correction[] = [];
    const edits: { start: number; end: number; to: string }[] = [];
    for (let i = 0; i < words.length; i++) {
      const m = words[i]!;
      const word = m[0];
      const next = words[i + 1];
      // Two words split by a space: joined when the join is a word of the manual, or one of the
      // two is unknown and the join corrects to a manual word ("out rigers" → "outriggers").
      if (next && next.index === m.index + word.length + 1 && lower[m.index + word.length] === ' ' && !word.includes("'")) {
        const joined = word + next[0];
        // A part that is a typo of its own is corrected on its own ("heatin up" is "heating up").
        const unknown = [word, next[0]].filter((w) => !this.knows(w));
        const lone = unknown.length > 0 && unknown.every((w) => this.nearest(w, false) === undefined);
        // Two known words are joined only into a manual word and not with a stop word after ("back up").
        const direct = (this.frequency.get(joined) ?? 0) > 0 && (unknown.length > 0 || !isStopWord(next[0]));
        const to = joined.length < MIN_JOINED ? undefined : direct ? joined : lone ? this.nearest(joined, true) : undefined;
        if (to) {
          edits.push({ start: m.index, end: next.index + next[0].length, to });
          corrections.push({ from: `${word} ${next[0]}`, to });
          i++;
          continue;
        }
      }
      if (word.includes("'") || this.knows(word) || acronym(m.index, m.index + word.length)) continue;
      const to = this.nearest(word, false) ?? this.withVowels(word) ?? this.split(word);
      if (to) {
        edits.push({ start: m.index, end: m.index + word.length, to });
        corrections.push({ from: word, to });
      }
    }
    if (edits.length === 0) return { text, corrections };
    let out = '';
    let at = 0;
    for (const e of edits) {
      out += lower.slice(at, e.start) + e.to;
      at = e.end;
    }
    return { text: out + lower.slice(at), corrections };
  }

  /**
   * The vocabulary word this unknown word was meant to be: the nearest within the edits its
   * length allows, when it is the only one or a manual word clearly used most among them.
   * `manualOnly`: only a word of the manual (for joins, where any word is a weak guess).
   */
  nearest(word: string, manualOnly: boolean): string | undefined {
    if (word.length < MIN_ONE_EDIT) return undefined;
    // Speech written down drops the g: "heatin" is "heating" when the manual says so.
    if (word.endsWith('in') && this.knows(`${word}g`)) return `${word}g`;
    const max = word.length >= MIN_TWO_EDITS ? 2 : 1;
    const found = new Map<string, number>();
    for (const d of deletionsOf(word, max)) {
      for (const candidate of this.deletions.get(d) ?? []) {
        if (found.has(candidate) || Math.abs(candidate.length - word.length) > max) continue;
        const distance = editDistance(word, candidate, max);
        if (distance <= max) found.set(candidate, distance);
      }
    }
    if (found.size === 0) return undefined;
    const best = Math.min(...found.values());
    const nearest = [...found]
      .filter(([c, d]) => d === best && (!manualOnly || (this.frequency.get(c) ?? 0) > 0))
      .map(([c]) => ({ word: c, frequency: this.frequency.get(c) ?? 0 }))
      .sort((a, b) => b.frequency - a.frequency);
    if (nearest.length === 0) return undefined;
    if (nearest.length === 1) return nearest[0]!.word;
    // Of words as near, the ones that sound like what was typed (the sound channel's metaphone
    // codes: "heatrs" is "heaters", not "heats").
    const [code] = doubleMetaphone(word);
    const alike = nearest.filter((n) => doubleMetaphone(n.word)[0] === code);
    if (alike.length === 1) return alike[0]!.word;
    if (alike.length > 1) nearest.splice(0, nearest.length, ...alike);
    // Several as near: the most used manual word, when it is clearly the most used.
    const [first, second] = nearest;
    // Forms of one word ("stall", "stalls") are the same reading: the most used of them.
    if (stemEn(first!.word) === stemEn(second!.word) && nearest.slice(2).every((n) => stemEn(n.word) === stemEn(first!.word))) {
      return first!.word;
    }
    return first!.frequency >= 2 && first!.frequency >= CLEAR_LEAD * second!.frequency ? first!.word : undefined;
  }

  /**
   * A word written without (some of) its vowels, as texting does ("pmp", "pavr", "frnt"): the
   * one manual word with the same consonants in the same order that holds every typed letter.
   */
  private withVowels(word: string): string | undefined {
    if (word.length < 3) return undefined;
    const skeleton = withoutVowels(word);
    if (skeleton.length < 3) return undefined;
    const fits = (this.skeletons.get(skeleton) ?? []).filter((c) => c.length > word.length && isSubsequence(word, c));
    return fits.length === 1 ? fits[0] : undefined;
  }

  /** Two words run together ("boomwont" → "boom wont"), when both halves are known and one is a manual word. */
  private split(word: string): string | undefined {
    if (word.length < 6) return undefined;
    let best: { at: number; score: number } | undefined;
    for (let at = 2; at <= word.length - 2; at++) {
      const a = word.slice(0, at);
      const b = word.slice(at);
      if (!this.knowsExactly(a) || !this.knowsExactly(b)) continue;
      const manual = [a, b].filter((w) => (this.frequency.get(w) ?? 0) > 0 && w.length >= 3).length;
      if (manual === 0) continue;
      // The split with the longest shorter half ("boom wont", not "boo mwont").
      const score = manual * 100 + Math.min(a.length, b.length);
      if (!best || score > best.score) best = { at, score };
    }
    return best ? `${word.slice(0, best.at)} ${word.slice(best.at)}` : undefined;
  }

  private knowsExactly(word: string): boolean {
    return this.frequency.has(word) || isStopWord(word);
  }
}

/** A word not glued to digits or other letters ("qtz80", "vögele" are not English words to correct). */
function isWholeWord(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  return !(before && /[\p{L}\p{N}]/u.test(before)) && !(after && /[\p{L}\p{N}]/u.test(after));
}

function withoutVowels(word: string): string {
  return word.replace(/[aeiou]/g, '');
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

/** The word and every form of it with up to `max` letters deleted. */
function deletionsOf(word: string, max: number): Set<string> {
  const out = new Set<string>([word]);
  let frontier = [word];
  for (let d = 0; d < max; d++) {
    const nextFrontier: string[] = [];
    for (const w of frontier) {
      for (let i = 0; i < w.length; i++) {
        const del = w.slice(0, i) + w.slice(i + 1);
        if (!out.has(del)) {
          out.add(del);
          nextFrontier.push(del);
        }
      }
    }
    frontier = nextFrontier;
  }
  return out;
}

/**
 * Edit distance with a swap of neighbouring letters counting as one edit (optimal string
 * alignment); stops early and answers max + 1 once the distance must exceed `max`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prevPrev[j - 2]! + 1);
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length]!;
}

const cache = new WeakMap<readonly Phrasing[], SpellingCorrector>();

/** One corrector per corpus (engine views for baselines and calibration share it). */
export function spellingCorrectorFor(corpus: readonly Phrasing[], otherWords: () => Iterable<string>): SpellingCorrector {
  let c = cache.get(corpus);
  if (!c) cache.set(corpus, (c = new SpellingCorrector(corpus, otherWords())));
  return c;
}

/** The words of the engine's own vocabularies (cues, requests, other machines, makers): known, never corrected. */
export function languageWords(language: LanguageData): string[] {
  const c = language.cues;
  const lists = [
    c.clause_breaks,
    c.symptom,
    c.not_symptom,
    c.fine,
    c.not_the,
    c.primary,
    c.minor,
    c.incidental,
    c.subject_markers,
    c.danger,
    c.discourse,
    c.story,
  ];
  const out: string[] = lists.flatMap((l) => l.en.map((p) => p.replace(/\*$/, '')));
  for (const i of [...c.idioms.en, ...c.shorthand.en]) out.push(i.say, i.means);
  for (const intent of language.intents) {
    out.push(...intent.cues.en.map((q) => q.text.replace(/\*$/, '')), ...intent.examples.en, intent.title.en);
  }
  out.push(...language.otherEquipment, ...language.otherEquipmentByContext);
  for (const l of language.modelCodes?.lines ?? []) out.push(...l.names);
  return out;
}
