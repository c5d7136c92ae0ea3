import type { ProductLineCode } from '../knowledge/schema.js';
import type { Phrasing } from './corpus.js';
import { normaliseText } from './phrases.js';
import { tokenize } from './text.js';

/** Pseudo-count of a token's line vote: one used by the manual n times votes n / (n + this) of its weight (chosen on the calibration set). */
const LINE_VOTE_PSEUDO_COUNT = 4;

/**
 * What the manual's own words say: which words and Chinese texts it uses at all (a
 * name it uses is a part of our machines, not another machine), and which product
 * lines each word belongs to ("screed" is a paver's, "熨平板" too, "engine" anyone's):
 * the evidence for which machine a message is about when nobody says.
 */
export class ManualVocabulary {
  private readonly words = new Set<string>();
  private readonly chinese: string;
  /** Every phrasing, normalised, with its tokens: the company a word keeps in the manual. */
  private readonly phrasings: { text: string; tokens: string[] }[] = [];
  /** token → phrasings per line that contain it. */
  private readonly lineCounts = new Map<string, Map<ProductLineCode, number>>();
  readonly lines: ProductLineCode[];

  constructor(corpus: readonly Phrasing[]) {
    const zh: string[] = [];
    const lines = new Set<ProductLineCode>();
    for (const p of corpus) {
      lines.add(p.productLine);
      const text = normaliseText(p.text);
      if (p.lang === 'zh') zh.push(text);
      this.phrasings.push({ text, tokens: tokenize(p.text) });
      for (const w of text.match(/[a-z0-9']+/g) ?? []) this.words.add(w.replace(/'/g, ''));
      for (const t of new Set(tokenize(p.text))) {
        let m = this.lineCounts.get(t);
        if (!m) this.lineCounts.set(t, (m = new Map()));
        m.set(p.productLine, (m.get(p.productLine) ?? 0) + 1);
      }
    }
    this.chinese = zh.join('|');
    this.lines = [...lines];
  }

  hasWord(word: string): boolean {
    return this.words.has(word.replace(/'/g, ''));
  }

  hasText(text: string): boolean {
    return this.chinese.includes(text);
  }

  /**
   * The tokens of every phrasing that uses this (normalised) name, without the name's own:
   * what the manual talks about when it says "loader" (rods, the spindle) or 发电机 (heating, charging).
   */
  companyOf(name: string): Set<string> {
    const own = new Set(tokenize(name));
    const latin = /^[a-z0-9' ]+$/.test(name) ? new RegExp(`(?<![a-z0-9])${name}(?![a-z0-9])`) : undefined;
    const out = new Set<string>();
    for (const p of this.phrasings) {
      if (latin ? !latin.test(p.text) : !p.text.includes(name)) continue;
      for (const t of p.tokens) if (!own.has(t)) out.add(t);
    }
    return out;
  }

  /**
   * How strongly the words point to each product line: every known word votes for the
   * lines whose phrasings use it, in proportion (a word of one line only votes fully),
   * weighted by how informative it is. Returns shares summing to 1 (empty if no word is known).
   */
  lineShares(tokens: Iterable<{ token: string; weight: number }>): Map<ProductLineCode, number> {
    const votes = new Map<ProductLineCode, number>();
    let total = 0;
    for (const { token, weight } of tokens) {
      const counts = this.lineCounts.get(token);
      if (!counts || weight <= 0) continue;
      let n = 0;
      for (const c of counts.values()) n += c;
      // A token the manual uses once or twice ("柄推", a bigram across two words) says
      // little about the machine, however rare (and so informative) it is: its vote
      // grows with how often the manual uses it.
      const sure = n / (n + LINE_VOTE_PSEUDO_COUNT);
      for (const [line, c] of counts) {
        const v = (weight * sure * c) / n;
        votes.set(line, (votes.get(line) ?? 0) + v);
        total += v;
      }
    }
    if (total > 0) for (const [l, v] of votes) votes.set(l, v / total);
    return votes;
  }
}
