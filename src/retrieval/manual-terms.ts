import type { Phrasing } from './corpus.js';
import type { PhraseHit } from './phrases.js';
import { normaliseText } from './phrases.js';
import { tokenize } from './text.js';

const CJK = /[\u3400-\u9fff]/u;
const WORD = /[a-z0-9']+/g;

/**
 * Tells whether a cue word found in a message is part of one of the manual's own terms
 * ("delivery pipe", "cooling package", "flow rate", 发货 is not but 配件 could be): the
 * cue together with its neighbouring content word occurs in the manual's phrasings.
 */
export function manualTermGuard(corpus: readonly Phrasing[]): (text: string, hit: PhraseHit) => boolean {
  const bigrams = new Set<string>();
  const chinese: string[] = [];
  for (const p of corpus) {
    const text = normaliseText(p.text);
    if (p.lang === 'zh') chinese.push(text);
    const words = text.match(WORD) ?? [];
    for (let i = 0; i + 1 < words.length; i++) bigrams.add(`${words[i]} ${words[i + 1]}`);
  }
  const zh = chinese.join('|');
  return (text, hit) => {
    const cue = text.slice(hit.start, hit.end);
    if (CJK.test(cue)) {
      const left = hit.start > 0 && CJK.test(text[hit.start - 1]!) && zh.includes(text.slice(hit.start - 1, hit.end));
      const right = hit.end < text.length && CJK.test(text[hit.end]!) && zh.includes(text.slice(hit.start, hit.end + 1));
      return left || right;
    }
    const before = (text.slice(0, hit.start).match(WORD) ?? []).at(-1);
    const after = text.slice(hit.end).match(WORD)?.[0];
    const cueWords = cue.match(WORD) ?? [];
    const content = (w: string | undefined): w is string => w !== undefined && tokenize(w).length > 0;
    return (content(before) && bigrams.has(`${before} ${cueWords[0]}`)) || (content(after) && bigrams.has(`${cueWords.at(-1)} ${after}`));
  };
}
