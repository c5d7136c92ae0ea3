/**
 * Tokenisation shared by the lexical channel, the confidence
 * measure and product-line detection. English is lower-cased, stripped of stop words
 * and lightly stemmed; Chinese is segmented into words with ICU's dictionary
 * (Intl.Segmenter) and also into character bigrams, because operators write the same
 * term with different word boundaries (臂架不动 / 臂架动不了).
 */

import type { DetectedLang as Lang } from '../language/detect.js';

export type { Lang };
const CJK_RUN = /[\u3400-\u9fff\uf900-\ufaff]+/gu;
const LATIN_WORD = /[a-z0-9]+(?:'[a-z]+)?/g;

const EN_STOP = new Set(
  (
    'a an the and or but if then so of to in on at by for with from up down out off over under again ' +
    'is are was were be been being am do does did doing have has had having i me my we our you your he she it its ' +
    'they them their this that these those there here what which who whom when where why how all any both each ' +
    'few more most other some such only own same than too very can will just should now please help hi ' +
    'hello thanks thank ok okay get got gets getting keep keeps kept still really also any anything something ' +
    'im ive its dont doesnt didnt wont cant isnt whats theres thats guy guys not no never ' +
    'seem seems seemed seeming today yesterday tomorrow thing things stuff something everything somehow maybe probably'
  ).split(/\s+/),
);

const ZH_STOP = new Set(
  '的 了 吗 呢 吧 啊 呀 哦 嗯 是 在 我 我们 你 你们 他 它 这 那 个 有 就 都 也 还 又 很 太 和 跟 与 请 问 一下 一直 现在 今天 怎么 怎么办 什么 为什么 咋 咋办 帮 帮忙 看看 你好 谢谢'.split(
    /\s+/,
  ),
);

export function isStopWord(word: string): boolean {
  return EN_STOP.has(word.replace(/'/g, ''));
}

/** Irregular forms operators use that a suffix stemmer would miss (a Map: words like "constructor" must not hit Object.prototype). */
const EN_NORMALISE = new Map<string, string>([
  ['ran', 'run'],
  ['running', 'run'],
  ['stuck', 'stick'],
  ['broke', 'break'],
  ['broken', 'break'],
  ['lifting', 'lift'],
  ['moving', 'move'],
]);

/** A light suffix stemmer: enough to join move/moves/moved/moving, not a linguist's stemmer. */
export function stemEn(word: string): string {
  let w = EN_NORMALISE.get(word) ?? word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && !w.endsWith('eed') && w.length > 4) w = w.slice(0, -2);
  else if (/(sh|ch|ss|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  // One canonical form for move / moves / moved / moving and stop / stopped.
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  if (/([b-df-hj-km-np-rtv-z])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

function chineseTokens(run: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(run)) {
    if (s.isWordLike && !ZH_STOP.has(s.segment)) out.push(s.segment);
  }
  // Bigrams make matching robust to segmentation differences; single characters
  // only stand in for runs too short to form one.
  const chars = [...run];
  if (chars.length === 1) out.push(run);
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/** Content tokens of a text, for indexing and for querying alike. */
export function tokenize(text: string): string[] {
  return tokenizeWithSource(text).map((t) => t.token);
}

/** Content tokens with the written form each came from (a Chinese word or bigram, an English word before stemming). */
export function tokenizeWithSource(text: string): { token: string; source: string }[] {
  const lower = text.normalize('NFKC').toLowerCase();
  const tokens: { token: string; source: string }[] = [];
  for (const run of lower.match(CJK_RUN) ?? []) for (const t of chineseTokens(run)) tokens.push({ token: t, source: t });
  const latin = lower.replace(CJK_RUN, ' ').replace(/[’`]/g, "'");
  for (const word of latin.match(LATIN_WORD) ?? []) {
    const w = word.replace(/'/g, '');
    if (EN_STOP.has(w)) continue;
    tokens.push({ token: stemEn(word), source: w });
  }
  return tokens;
}
