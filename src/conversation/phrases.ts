/**
 * Phrase matching for the conversation's vocabularies (knowledge/conversation/*.yaml), the
 * one matcher of the conversation layer. A phrase is compiled once (`Phrase`): Latin
 * phrases match whole words, apostrophes optional ("didn't" = "didnt"), a trailing `*`
 * any ending ("bleed*"); Chinese ones match as written. On top of it:
 * - `Clause`: a message is looked at clause by clause, and a phrase right after a
 *   negation ("no one is hurt", "没有人受伤") is told apart from one that is meant (the
 *   danger detector, commands);
 * - `PhraseMatcher`: a labelled vocabulary found in a short answer, one typo allowed in
 *   words of four letters or more ("stil" = "still"); where phrases overlap the longer
 *   one at the earliest position counts, so "not fixed" is never read as "fixed" nor
 *   "no problem" as "no" (the answers to the bot's questions).
 */

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;
const WORD = /[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu;
/** What a Latin phrase must not touch: a Latin letter or digit on either side, an apostrophe before it (Chinese characters may). */
const BEFORE = "(?<![\\p{Script=Latin}\\p{N}'])";
const AFTER = '(?![\\p{Script=Latin}\\p{N}])';

/** NFKC (full-width forms folded), lower case, one kind of apostrophe. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'");
}

export const hasCjk = (s: string) => CJK.test(s);

/** Clauses: a danger or a request in one part of a message is judged in that part. */
export function clauses(text: string): string[] {
  return normalise(text)
    .split(/[.;!?\n。；！？,，、]+|\s(?:but|however)\s|但是|可是|不过/u)
    .map((c) => c.trim())
    .filter(Boolean);
}

export interface Negation {
  en: { words: string[]; reach: number; except?: string[] };
  zh: { words: string[]; reach: number; except?: string[] };
}

interface Token {
  text: string;
  /** The word without apostrophes, as phrases are compared ("didn't" = "didnt"). */
  bare: string;
  start: number;
}

const bare = (w: string) => w.replace(/'/g, '');

function latinTokens(text: string): Token[] {
  // Chinese characters are not Latin words: a mixed clause keeps only its Latin words here.
  return [...text.matchAll(WORD)].filter((m) => !CJK.test(m[0])).map((m) => ({ text: m[0], bare: bare(m[0]), start: m.index }));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A phrase compiled once: its Latin words, or its Chinese text, and the pattern that finds it. */
export class Phrase {
  readonly chinese: boolean;
  /** The phrase as written in the vocabulary, normalised (without a trailing `*`). */
  readonly text: string;
  /** Where the phrase occurs in normalised text, as a regular expression source (flags `u`). */
  readonly pattern: string;
  /** The Latin words without apostrophes (`bare`), compared with a clause's words. */
  private readonly words: string[];
  private readonly prefix: boolean;
  /** `pattern` compiled once for `remove` (a global expression: `replace` starts it from 0 every call). */
  private readonly everywhere: RegExp;

  constructor(readonly source: string) {
    const norm = normalise(source.trim());
    this.chinese = CJK.test(norm);
    this.prefix = norm.endsWith('*');
    this.text = norm.replace(/\*$/, '');
    this.words = this.chinese ? [this.text] : latinTokens(this.text).map((t) => t.bare);
    if (this.chinese) this.pattern = escape(this.text);
    else if (!/[\p{L}\p{N}]/u.test(this.text)) this.pattern = '(?!)';
    else {
      // As written ("n/a", "no. 1", "#2" keep their marks), any spacing, apostrophes optional.
      const body = escape(this.text).replace(/\s+/g, '\\s+').replace(/'/g, "'?");
      this.pattern = `${BEFORE}${body}${this.prefix ? "[\\p{L}\\p{N}'-]*" : ''}${AFTER}`;
    }
    this.everywhere = new RegExp(this.pattern, 'gu');
  }

  /** The text without this phrase (whole words for Latin phrases), for "is anything else said?". */
  remove(text: string): string {
    return text.replace(this.everywhere, ' ');
  }

  /**
   * Whether `test` holds at some place the phrase occurs (its start offset: characters for
   * Chinese, token indexes for Latin). The danger check asks this of hundreds of phrases on
   * every message, nearly all absent: no array is made, and a Latin phrase looks only where
   * its first word stands.
   */
  some(clause: Clause, test: (at: number) => boolean): boolean {
    if (this.chinese) {
      for (let i = clause.text.indexOf(this.text); i >= 0; i = clause.text.indexOf(this.text, i + 1)) if (test(i)) return true;
      return false;
    }
    const n = this.words.length;
    if (n === 0) return false;
    const tokens = clause.tokens;
    // A one-word prefix phrase ("bleed*") may start at any token; others where their first word is.
    const anywhere = n === 1 && this.prefix;
    const starts = anywhere ? undefined : clause.positionsOf(this.words[0]!);
    const count = starts ? starts.length : tokens.length;
    for (let k = 0; k < count; k++) {
      const i = starts ? starts[k]! : k;
      if (i + n > tokens.length) continue;
      let ok = true;
      for (let j = 0; j < n && ok; j++) {
        const want = this.words[j]!;
        const got = tokens[i + j]!.bare;
        ok = j === n - 1 && this.prefix ? got.startsWith(want) : got === want;
      }
      if (ok && test(i)) return true;
    }
    return false;
  }
}

const NO_POSITIONS: readonly number[] = [];

/** One clause prepared for matching many phrases. */
export class Clause {
  readonly tokens: Token[];
  private positions?: Map<string, number[]>;
  constructor(readonly text: string) {
    this.tokens = latinTokens(text);
  }

  /** Token indexes of a word (compared `bare`); the index is built on first use. */
  positionsOf(word: string): readonly number[] {
    if (!this.positions) {
      this.positions = new Map();
      this.tokens.forEach((t, i) => {
        const list = this.positions!.get(t.bare);
        if (list) list.push(i);
        else this.positions!.set(t.bare, [i]);
      });
    }
    return this.positions.get(word) ?? NO_POSITIONS;
  }

  /** The phrase occurs (negated or not). */
  has(p: Phrase): boolean {
    return p.some(this, () => true);
  }

  /** The phrase occurs at least once without a negation right before it. */
  hasMeant(p: Phrase, negation: Negation): boolean {
    return p.some(this, (at) => !this.negatedAt(p, at, negation));
  }

  /** Every word of the clause, in order (for counting and for whole-message checks). */
  words(): string[] {
    return this.tokens.map((t) => t.text);
  }

  private negatedAt(p: Phrase, at: number, negation: Negation): boolean {
    if (p.chinese) {
      const { words, reach, except = [] } = negation.zh;
      const text = this.text;
      return words.some((w) => {
        for (let gap = 0; gap <= reach; gap++) {
          const start = at - gap - w.length;
          if (start < 0 || !text.startsWith(w, start)) continue;
          // "不停地冒烟" keeps smoking: 不停 is not a negation.
          if (!except.some((e) => text.startsWith(e, start))) return true;
        }
        return false;
      });
    }
    const { words, reach, except = [] } = negation.en;
    const before = this.tokens.slice(Math.max(0, at - reach), at).map((t) => t.text);
    // "no one", "no longer": multi-word negations are matched on the joined words.
    const joined = ` ${before.join(' ')} `;
    if (except.some((e) => joined.includes(` ${e} `))) return false;
    return before.some((w) => w.endsWith("n't")) || words.some((w) => joined.includes(` ${w} `));
  }
}

export const compile = (list: readonly string[] | undefined): Phrase[] => (list ?? []).map((s) => new Phrase(s));

export interface Hit<L extends string> {
  label: L;
  /** The vocabulary's phrase (normalised), not the words as typed. */
  phrase: string;
  start: number;
  end: number;
}

/** Texts a PhraseMatcher remembers its reading of (several turns at once on one server). */
const RECENT_TEXTS = 64;

/** A labelled vocabulary (yes / no / unsure …) found in a short answer, typos forgiven. */
export class PhraseMatcher<L extends string> {
  private readonly re?: RegExp;
  /** In the pattern's order: longest first, so the longer phrase wins where two overlap. */
  private readonly phrases: { phrase: Phrase; label: L }[] = [];
  private readonly words = new Set<string>();
  private readonly recent = new Map<string, { fixed: string; hits: readonly Hit<L>[] }>();

  constructor(groups: Partial<Record<L, readonly string[]>>) {
    const seen = new Set<string>();
    for (const [label, list] of Object.entries(groups) as [L, readonly string[]][]) {
      for (const raw of list ?? []) {
        const phrase = new Phrase(raw);
        if (!phrase.text || seen.has(phrase.text)) continue;
        seen.add(phrase.text);
        this.phrases.push({ phrase, label });
        if (!phrase.chinese) for (const w of phrase.text.split(/[^a-z']+/)) if (w.length >= 4) this.words.add(bare(w));
      }
    }
    this.phrases.sort((a, b) => b.phrase.text.length - a.phrase.text.length);
    if (this.phrases.length === 0) return;
    this.re = new RegExp(this.phrases.map((p) => `(${p.phrase.pattern})`).join('|'), 'gu');
  }

  /** Every hit in text order (the text is normalised here, typos corrected first). */
  find(text: string): Hit<L>[] {
    return [...this.read(text).hits];
  }

  /** The text with the hits blanked out: what the answer says besides the phrases. */
  rest(text: string): string {
    const { fixed, hits } = this.read(text);
    let out = fixed;
    for (const h of hits) out = out.slice(0, h.start) + ' '.repeat(h.end - h.start) + out.slice(h.end);
    return out;
  }

  /**
   * The corrected text and its hits, remembered for the last few texts: one turn asks
   * several questions of the same message (skip? unsure? a question back?), and the typo
   * pass and the one long expression are the costly part of a short turn.
   */
  private read(text: string): { fixed: string; hits: readonly Hit<L>[] } {
    const known = this.recent.get(text);
    if (known) return known;
    const fixed = this.correct(normalise(text));
    const hits: Hit<L>[] = [];
    if (this.re)
      for (const m of fixed.matchAll(this.re)) {
        const i = m.findIndex((g, k) => k > 0 && g !== undefined) - 1;
        const p = this.phrases[i];
        if (p) hits.push({ label: p.label, phrase: p.phrase.text, start: m.index, end: m.index + m[0].length });
      }
    const read = { fixed, hits: Object.freeze(hits.map((h) => Object.freeze(h))) };
    this.recent.set(text, read);
    if (this.recent.size > RECENT_TEXTS) this.recent.delete(this.recent.keys().next().value!);
    return read;
  }

  /** One typo (insertion, deletion, substitution, swap) in a Latin word of 4+ letters, same first letter. */
  private correct(text: string): string {
    return text.replace(/[a-z']+/g, (word) => {
      const w = bare(word);
      if (w.length < 4 || this.words.has(w)) return word;
      // Four-letter words only by a missing letter ("stil"): "none" is not "nope".
      for (const v of this.words)
        if (v[0] === w[0] && (w.length >= 5 ? Math.abs(v.length - w.length) <= 1 : v.length === w.length + 1) && withinOneEdit(w, v))
          return v;
      return word;
    });
  }
}

function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length === 1) return true;
    return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i) === long.slice(i + 1);
}
