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
/** A bare number ("0", "80", "3") is no evidence of a fault: "80" must not pull the phrasings that say 80 °C. */
const BARE_NUMBER = /^\d+$/;

const EN_STOP = new Set(
  (
    'a an the and or but if then so of to in on at by for with from up down out off over under again ' +
    'is are was were be been being am do does did doing have has had having i me my we our you your he she it its ' +
    'they them their this that these those there here what which who whom when where why how all any both each ' +
    'few more most other some such only own same than too very can will just should now please help hi ' +
    'hello thanks thank ok okay get got gets getting keep keeps kept still really also any anything something ' +
    'im ive its dont doesnt didnt wont cant isnt whats theres thats guy guys not no never ' +
    'seem seems seemed seeming today yesterday tomorrow thing things stuff something everything somehow maybe probably ' +
    // Fillers of speech and of phone transcripts.
    'um umm uh uhh er erm hmm yeah yep yes hey like mate'
  ).split(/\s+/),
);

const ZH_STOP = new Set(
  (
    '的 了 吗 呢 吧 啊 呀 哦 嗯 是 在 我 我们 你 你们 他 它 这 那 个 有 就 都 也 还 又 很 太 和 跟 与 请 问 一下 一直 现在 今天 怎么 怎么办 什么 为什么 咋 咋办 帮 帮忙 看看 你好 谢谢 喂 呃 哎 那个 这个 ' +
    // Fillers of speech and of phone transcripts ("就是" opens a contrast, it names nothing).
    '就是 然后 的话 好像 感觉 反正 其实 大概 这样 这么 那么 师傅 麻烦 嗯嗯 啥'
  ).split(/\s+/),
);

export function isStopWord(word: string): boolean {
  return EN_STOP.has(word.replace(/'/g, ''));
}

/** The English stop words (known words of no weight: the spelling corrector never changes them). */
export function stopWords(): Iterable<string> {
  return EN_STOP;
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

/**
 * The characters of a Chinese run (code-point offsets) that belong to a stop word of two
 * or more characters (那个, 就是, 一下): fillers of speech. No bigram, written or by sound,
 * is formed across them.
 */
export function chineseFillers(run: string): Set<number> {
  const filler = new Set<number>();
  for (const s of segmenter.segment(run)) {
    const length = [...s.segment].length;
    if (length >= 2 && ZH_STOP.has(s.segment)) for (let i = s.index; i < s.index + length; i++) filler.add(i);
  }
  return filler;
}

function chineseTokens(run: string): string[] {
  return chineseTokensAt(run).map((t) => t.token);
}

/** Chinese tokens with the characters (code-point offsets in the run) each covers. */
function chineseTokensAt(run: string): { token: string; start: number; end: number }[] {
  const out: { token: string; start: number; end: number }[] = [];
  const chars = [...run];
  const filler = chineseFillers(run);
  // The segmenter counts UTF-16 units; the run's characters are all in the BMP range above.
  for (const s of segmenter.segment(run)) {
    if (s.isWordLike && !ZH_STOP.has(s.segment)) out.push({ token: s.segment, start: s.index, end: s.index + [...s.segment].length });
  }
  // Bigrams make matching robust to segmentation differences; single characters
  // only stand in for runs too short to form one. A bigram touching a filler is no
  // term of the manual: "那个" or "就是" (or "个吊") must not match a phrasing that
  // happens to say 就是, nor vote for its machine.
  if (chars.length === 1 && !ZH_STOP.has(run)) out.push({ token: run, start: 0, end: 1 });
  for (let i = 0; i + 1 < chars.length; i++) {
    if (!filler.has(i) && !filler.has(i + 1)) out.push({ token: chars[i]! + chars[i + 1]!, start: i, end: i + 2 });
  }
  return out;
}

/**
 * The query's words as units of meaning, each with the tokens that stand for it: a
 * Latin word (its stemmed token; `sounds` adds its sound codes), a Chinese character
 * (every word, bigram and pinyin bigram covering it). The lexical channel counts how
 * many units a phrasing matches, not how many tokens: one word's stem and its two
 * metaphone codes are one match, not three.
 */
export interface QueryUnitTokens {
  /** token → the units it covers ("w3": the fourth Latin word, "c7": the eighth Chinese character). */
  written: Map<string, Set<string>>;
  /** How often each written token occurs (a word said three times in a long message counts three times). */
  count: Map<string, number>;
  /** Each unit's weight: a Latin word 1, a Chinese character 0.5 (a word is about two). */
  unitWeight: Map<string, number>;
  /** Chinese runs and Latin words with their units, for the sound channel. */
  runs: { text: string; units: string[]; cjk: boolean }[];
}

export function queryUnits(text: string): QueryUnitTokens {
  const lower = text.normalize('NFKC').toLowerCase();
  const written = new Map<string, Set<string>>();
  const unitWeight = new Map<string, number>();
  const runs: QueryUnitTokens['runs'] = [];
  const count = new Map<string, number>();
  const add = (token: string, units: string[]) => {
    count.set(token, (count.get(token) ?? 0) + 1);
    let s = written.get(token);
    if (!s) written.set(token, (s = new Set()));
    for (const u of units) s.add(u);
  };
  let c = 0;
  for (const run of lower.match(CJK_RUN) ?? []) {
    const units = [...run].map(() => `c${c++}`);
    for (const u of units) unitWeight.set(u, 0.5);
    for (const t of chineseTokensAt(run)) add(t.token, units.slice(t.start, t.end));
    runs.push({ text: run, units, cjk: true });
  }
  const latin = lower.replace(CJK_RUN, ' ').replace(/[’`]/g, "'");
  let w = 0;
  for (const word of latin.match(LATIN_WORD) ?? []) {
    const bare = word.replace(/'/g, '');
    if (EN_STOP.has(bare) || BARE_NUMBER.test(bare)) continue;
    const unit = `w${w++}`;
    unitWeight.set(unit, 1);
    add(stemEn(word), [unit]);
    runs.push({ text: bare, units: [unit], cjk: false });
  }
  return { written, count, unitWeight, runs };
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
    if (EN_STOP.has(w) || BARE_NUMBER.test(w)) continue;
    tokens.push({ token: stemEn(word), source: w });
  }
  return tokens;
}
