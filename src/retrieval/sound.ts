import { doubleMetaphone } from 'double-metaphone';
import { pinyin } from 'pinyin-pro';
import { chineseFillers, isStopWord, tokenizeWithSource } from './text.js';

/**
 * How words sound, for text from phones and thumbs: Chinese as toneless pinyin
 * (pinyin-pro), so that a homophone typed or heard in place of the right character
 * (必价 for 臂架, 赌管 for 堵管) still matches; English by Double Metaphone
 * (double-metaphone), so that "outrigers", "stif" and "nuetral" match what they mean.
 * The lexical channel indexes these "sound tokens" in a field of their own, weighted
 * below the written words.
 */

const CJK_RUN = /[\u3400-\u9fff\uf900-\ufaff]+/gu;
const LATIN_WORD = /[a-z]+/g;

export function pinyinSyllables(text: string): string[] {
  return pinyin(text, { toneType: 'none', type: 'array', v: true });
}

/**
 * A Chinese run's pinyin bigrams with the characters each covers (a lone character: one
 * syllable); none across a filler (那个, 就是: the same as for written bigrams).
 */
export function chineseSoundPairs(run: string): { code: string; start: number; end: number }[] {
  const syl = pinyinSyllables(run);
  if (syl.length === 1) return [{ code: `py:${syl[0]}`, start: 0, end: 1 }];
  const filler = chineseFillers(run);
  const out: { code: string; start: number; end: number }[] = [];
  for (let i = 0; i + 1 < syl.length; i++) {
    if (!filler.has(i) && !filler.has(i + 1)) out.push({ code: `py:${syl[i]}_${syl[i + 1]}`, start: i, end: i + 2 });
  }
  return out;
}

/** Pinyin of neighbouring characters ("py:bi_jia"); Latin words of four letters or more by their metaphone codes ("mp:STF"). */
export function soundTokens(text: string, stop: (word: string) => boolean, minCode = 1): string[] {
  const out: string[] = [];
  const lower = text.normalize('NFKC').toLowerCase();
  for (const m of lower.matchAll(CJK_RUN)) out.push(...chineseSoundPairs(m[0]).map((p) => p.code));
  for (const w of lower.replace(CJK_RUN, ' ').match(LATIN_WORD) ?? []) {
    if (w.length < 4 || stop(w)) continue;
    const [a, b] = doubleMetaphone(w);
    if (a.length >= minCode) out.push(`mp:${a}`);
    if (b && b !== a && b.length >= minCode) out.push(`mp:${b}`);
  }
  return out;
}

/**
 * Content tokens with the sound tokens of the words they came from, for crediting a
 * match by sound in the confidence; codes of one or two letters (TT for "today") say
 * too little to count there, though they still help ranking.
 */
const MIN_SOUND_WORD = 6;
export function tokenizeWithSound(text: string): { token: string; sounds: string[] }[] {
  return tokenizeWithSource(text).map(({ token, source }) => ({
    token,
    // Short English words sound like too many others ("weird", "ward") to vouch for a match.
    sounds: /[a-z]/.test(source) && source.length < MIN_SOUND_WORD ? [] : soundTokens(source, isStopWord, 3),
  }));
}
