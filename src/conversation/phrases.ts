/**
 * Phrase matching for the conversation's vocabularies (knowledge/conversation/*.yaml):
 * Latin phrases match whole words (a trailing `*` any ending: "bleed*"), Chinese ones
 * as written; a message is looked at clause by clause, and a phrase right after a
 * negation ("no one is hurt", "没有人受伤") can be told apart from one that is meant.
 */

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const WORD = /[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu;

/** Lower case, full-width forms folded, curly apostrophes straight. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'");
}

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
  start: number;
}

function latinTokens(text: string): Token[] {
  // Chinese characters are not Latin words: a mixed clause keeps only its Latin words here.
  return [...text.matchAll(WORD)].filter((m) => !CJK.test(m[0])).map((m) => ({ text: m[0], start: m.index! }));
}

/** A phrase compiled once: its Latin words, or its Chinese text. */
export class Phrase {
  readonly chinese: boolean;
  private readonly words: string[];
  private readonly prefix: boolean;

  constructor(readonly source: string) {
    const norm = normalise(source.trim());
    this.chinese = CJK.test(norm);
    this.prefix = norm.endsWith('*');
    this.words = this.chinese ? [norm.replace(/\*$/, '')] : latinTokens(norm.replace(/\*$/, '')).map((t) => t.text);
  }

  /** The text without this phrase (whole words for Latin phrases), for "is anything else said?". */
  remove(text: string): string {
    if (this.chinese) return text.split(this.words[0]!).join(' ');
    if (this.words.length === 0) return text;
    const escaped = this.words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const last = escaped.length - 1;
    if (this.prefix) escaped[last] = `${escaped[last]}[\\p{L}\\p{N}'-]*`;
    const re = new RegExp(`(?<![\\p{L}\\p{N}'])${escaped.join('\\s+')}(?![\\p{L}\\p{N}'])`, 'gu');
    return text.replace(re, ' ');
  }

  /** Where the phrase occurs in the clause: start offsets (characters for Chinese, token indexes for Latin). */
  find(clause: string, tokens: Token[]): number[] {
    if (this.chinese) {
      const at: number[] = [];
      for (let i = clause.indexOf(this.words[0]!); i >= 0; i = clause.indexOf(this.words[0]!, i + 1)) at.push(i);
      return at;
    }
    const n = this.words.length;
    if (n === 0) return [];
    const at: number[] = [];
    for (let i = 0; i + n <= tokens.length; i++) {
      let ok = true;
      for (let j = 0; j < n && ok; j++) {
        const want = this.words[j]!;
        const got = tokens[i + j]!.text;
        ok = j === n - 1 && this.prefix ? got.startsWith(want) : got === want;
      }
      if (ok) at.push(i);
    }
    return at;
  }
}

/** One clause prepared for matching many phrases. */
export class Clause {
  readonly tokens: Token[];
  constructor(readonly text: string) {
    this.tokens = latinTokens(text);
  }

  /** The phrase occurs (negated or not). */
  has(p: Phrase): boolean {
    return p.find(this.text, this.tokens).length > 0;
  }

  /** The phrase occurs at least once without a negation right before it. */
  hasMeant(p: Phrase, negation: Negation): boolean {
    return p.find(this.text, this.tokens).some((at) => !this.negatedAt(p, at, negation));
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
          if (start < 0 || text.slice(start, start + w.length) !== w) continue;
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
