import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { normalise, Phrase, PhraseMatcher } from '../src/conversation/phrases.js';
import { KNOWLEDGE_DIR } from './support/paths.js';

/**
 * PhraseMatcher compiles an expression of only the phrases whose first word is in the
 * message (the speed of a chat turn). Its hits must be exactly those of one expression
 * of the whole vocabulary, longest phrase first, on the typo-corrected text: checked here against that reference on
 * every vocabulary of answers.yaml, with the texts where a first-word test could go wrong
 * (a phrase inside "i'm", after a hyphen, next to Chinese characters, prefix phrases).
 */
function reference(groups: Record<string, readonly string[]>, corrected: string): { label: string; start: number; end: number }[] {
  const seen = new Set<string>();
  const phrases: { phrase: Phrase; label: string }[] = [];
  for (const [label, list] of Object.entries(groups))
    for (const raw of list) {
      const phrase = new Phrase(raw);
      if (!phrase.text || seen.has(phrase.text)) continue;
      seen.add(phrase.text);
      phrases.push({ phrase, label });
    }
  phrases.sort((a, b) => b.phrase.text.length - a.phrase.text.length);
  if (phrases.length === 0) return [];
  const re = new RegExp(phrases.map((p) => `(${p.phrase.pattern})`).join('|'), 'gu');
  return [...corrected.matchAll(re)].map((m) => {
    const i = m.findIndex((g, k) => k > 0 && g !== undefined) - 1;
    return { label: phrases[i]!.label, start: m.index, end: m.index + m[0].length };
  });
}

/** Every `label: [phrases]` map in the answers vocabulary. */
function vocabularies(node: unknown, out: Record<string, string[]>[] = []): Record<string, string[]>[] {
  if (!node || typeof node !== 'object') return out;
  const values = Object.values(node);
  if (values.length > 0 && values.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string')))
    out.push(node as Record<string, string[]>);
  else for (const v of values) vocabularies(v, out);
  return out;
}

const answers = parse(readFileSync(join(KNOWLEDGE_DIR, 'conversation', 'answers.yaml'), 'utf8')) as unknown;
const groups = vocabularies(answers);

const TEXTS = [
  "I'm not sure, I'd say no",
  "didn't fix it, still not working",
  'not fixed yet — re-checked the check-up list',
  'ok了，好了',
  '没好，还是不行',
  'yes!!! fixed',
  'option 2, the second one',
  'nope. none of these',
  "skip that, don't know the serial",
  'the 1st one; no. 3 maybe',
  'still leaking… bleeding air out now',
  '不知道，跳过吧',
  'FIXED it, thanks',
  "it's fine now I think",
];

describe('PhraseMatcher finds what one expression of its whole vocabulary finds', () => {
  it('reads the answers vocabularies', () => expect(groups.length).toBeGreaterThan(5));

  it.each(TEXTS)('%s', (text) => {
    for (const g of groups) {
      const matcher = new PhraseMatcher(g);
      const got = matcher.find(text).map(({ label, start, end }) => ({ label, start, end }));
      // Typos are corrected first, alike for both.
      expect(got).toEqual(reference(g, matcher.correct(normalise(text))));
    }
  });

  it('finds a one-word phrase inside a contraction and after a hyphen', () => {
    const m = new PhraseMatcher({ me: ['i'], check: ['check'], bleed: ['bleed*'] });
    expect(m.find("i'm on the re-check, bleeding it").map((h) => h.label)).toEqual(['me', 'check', 'bleed']);
  });
});
