/**
 * Finding listed words and phrases in free text, as the vocabularies under knowledge/
 * are written: Latin phrases match whole words (a trailing "s"/"es" allowed, a `*` at
 * the end matches any ending), Chinese phrases match as written. All phrases of a list
 * are compiled into one regular expression, longest first, so a text is scanned once.
 */

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;

export interface PhraseHit {
  phrase: string;
  start: number;
  end: number;
}

/** The form every matcher works on: NFKC, lower case, one kind of apostrophe. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[’`´]/g, "'");
}

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

function latinPattern(phrase: string): string {
  const wild = phrase.endsWith('*');
  const body = escape(wild ? phrase.slice(0, -1) : phrase)
    .replace(/\s+/g, '\\s+')
    .replace(/'/g, "'?");
  return wild ? `${body}[a-z']*` : `${body}(?:s|es)?`;
}

export class PhraseSet {
  private readonly latin?: RegExp;
  private readonly cjk?: RegExp;
  private readonly canonical = new Map<string, string>();

  constructor(phrases: readonly string[]) {
    const unique = [...new Set(phrases.map((p) => normaliseText(p).trim()).filter((p) => p.length > 0))].sort(
      (a, b) => b.length - a.length,
    );
    const latin = unique.filter((p) => !CJK.test(p));
    const cjk = unique.filter((p) => CJK.test(p));
    for (const p of unique) this.canonical.set(key(p.replace(/\*$/, '')), p);
    if (latin.length > 0) {
      this.latin = new RegExp(`(?<![a-z0-9'])(?:${latin.map(latinPattern).join('|')})(?![a-z0-9])`, 'g');
    }
    if (cjk.length > 0) this.cjk = new RegExp(cjk.map(escape).join('|'), 'gu');
  }

  /** Every non-overlapping occurrence, in text order; `text` must be normalised. */
  find(text: string): PhraseHit[] {
    const hits: PhraseHit[] = [];
    for (const re of [this.latin, this.cjk]) {
      if (!re) continue;
      re.lastIndex = 0;
      for (const m of text.matchAll(re)) hits.push({ phrase: this.phraseOf(m[0]), start: m.index, end: m.index + m[0].length });
    }
    return hits.sort((a, b) => a.start - b.start);
  }

  has(text: string): boolean {
    for (const re of [this.latin, this.cjk]) {
      if (!re) continue;
      re.lastIndex = 0;
      if (re.test(text)) return true;
    }
    return false;
  }

  /** The listed phrase a matched surface form stands for ("leaking" → "leak*"). */
  private phraseOf(surface: string): string {
    const s = key(surface);
    if (this.canonical.has(s)) return this.canonical.get(s)!;
    for (const [stem, phrase] of this.canonical) if (s.startsWith(stem)) return phrase;
    return s;
  }
}

const key = (s: string) => s.replace(/\s+/g, ' ').replace(/'/g, '');

/** Replaces the given spans by spaces, keeping every other character where it was. */
export function blankSpans(text: string, spans: readonly { start: number; end: number }[]): string {
  let out = text;
  for (const s of spans) out = out.slice(0, s.start) + ' '.repeat(s.end - s.start) + out.slice(s.end);
  return out;
}
