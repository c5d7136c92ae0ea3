/**
 * Finding the phrases of a vocabulary in a short answer. Latin phrases match whole
 * words with apostrophes optional ("didn't" = "didnt") and one typo allowed in words of
 * four letters or more ("stil" = "still"); Chinese phrases match as written. Where
 * phrases overlap, the longer one at the earliest position counts, so "not fixed" is
 * never read as "fixed" nor "no problem" as "no".
 */
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;

export interface Hit<L extends string> {
  label: L;
  phrase: string;
  start: number;
  end: number;
}

/** NFKC, lower case, one kind of apostrophe, full-width punctuation as ASCII. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'");
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const latinBody = (p: string) => escape(p).replace(/\s+/g, '\\s+').replace(/'/g, "'?");

export class PhraseMatcher<L extends string> {
  private readonly re?: RegExp;
  private readonly labelOf = new Map<string, L>();
  private readonly words = new Set<string>();

  constructor(groups: Partial<Record<L, readonly string[]>>) {
    for (const [label, list] of Object.entries(groups) as [L, readonly string[]][]) {
      for (const raw of list ?? []) {
        const p = normalise(raw).trim();
        if (!p || this.labelOf.has(p)) continue;
        this.labelOf.set(p, label);
        if (!CJK.test(p)) for (const w of p.split(/[^a-z']+/)) if (w.length >= 4) this.words.add(w.replace(/'/g, ''));
      }
    }
    const all = [...this.labelOf.keys()].sort((a, b) => b.length - a.length);
    if (all.length === 0) return;
    const alts = all.map((p) => (CJK.test(p) ? escape(p) : `(?<![a-z0-9'])${latinBody(p)}(?![a-z0-9])`));
    this.re = new RegExp(alts.join('|'), 'gu');
  }

  /** Every hit in text order (the text is normalised here, typos corrected first). */
  find(text: string): Hit<L>[] {
    if (!this.re) return [];
    const fixed = this.correct(normalise(text));
    const hits: Hit<L>[] = [];
    this.re.lastIndex = 0;
    for (const m of fixed.matchAll(this.re)) {
      const key = this.keyOf(m[0]);
      const label = key === undefined ? undefined : this.labelOf.get(key);
      if (label !== undefined) hits.push({ label, phrase: key!, start: m.index, end: m.index + m[0].length });
    }
    return hits;
  }

  /** The text with the hits blanked out: what the answer says besides the phrases. */
  rest(text: string): string {
    let out = this.correct(normalise(text));
    for (const h of this.find(text)) out = out.slice(0, h.start) + ' '.repeat(h.end - h.start) + out.slice(h.end);
    return out;
  }

  private keyOf(matched: string): string | undefined {
    const spaced = matched.replace(/\s+/g, ' ');
    if (this.labelOf.has(spaced)) return spaced;
    // Apostrophe typed or left out: find the listed form.
    const bare = spaced.replace(/'/g, '');
    for (const k of this.labelOf.keys()) if (k.replace(/'/g, '') === bare) return k;
    return undefined;
  }

  /** One typo (insertion, deletion, substitution, swap) in a Latin word of 4+ letters, same first letter. */
  private correct(text: string): string {
    return text.replace(/[a-z']+/g, (word) => {
      const w = word.replace(/'/g, '');
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

export const hasCjk = (s: string) => CJK.test(s);
