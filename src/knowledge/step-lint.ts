import { LANGUAGES, type Lang } from '../language/languages.js';
import type { StepLintVocabulary } from './schema.js';

/**
 * The step-text lint: reads the words of a step the bot may give an operator and finds
 * what makes it dangerous (knowledge/step-lint.yaml holds the vocabulary). Two rules:
 * a hazard phrase that is not negated in its clause, and hands-on work at a moving part
 * without the isolation said in the step's own text (the bot shows each step alone).
 */

export interface StepFinding {
  lang: Lang;
  rule: 'hazard' | 'isolation';
  /** The hazard id, or "isolation". */
  id: string;
  /** The words of the step that matched. */
  match: string;
  message: string;
}


// ---------------------------------------------------------------- English

/** Words and clause breaks: "don't" → "do not", "e-stop" → "e stop"; "," is a soft break, ". ; : ! ?" hard ones. */
function enTokens(text: string): string[] {
  const lower = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/\bcan't\b|\bcannot\b/g, 'can not')
    .replace(/\bwon't\b/g, 'will not')
    .replace(/n't\b/g, ' not');
  return lower.match(/[a-z0-9]+|[,.;:!?()]/g) ?? [];
}

const HARD = new Set(['.', ';', ':', '!', '?', '(', ')']);
const isBreak = (t: string) => t === ',' || HARD.has(t);

/** Whether a text word is the pattern word or one of its inflections (loosen → loosened, stop → stopped, carry → carried). */
function wordMatches(pattern: string, word: string): boolean {
  if (pattern.endsWith('*')) return word.startsWith(pattern.slice(0, -1));
  if (word === pattern) return true;
  if (/^\d/.test(pattern) || !word.startsWith(pattern.slice(0, Math.max(1, pattern.length - 1)))) return false;
  const forms = new Set([pattern + 's', pattern + 'es', pattern + 'ed', pattern + 'd', pattern + 'ing', pattern + 'er', pattern + 'ers']);
  if (pattern.endsWith('e')) for (const end of ['ing', 'ed', 'er']) forms.add(pattern.slice(0, -1) + end);
  if (pattern.endsWith('y')) for (const end of ['ies', 'ied']) forms.add(pattern.slice(0, -1) + end);
  if (/[^aeiou][aeiou][b-df-hj-np-tv-z]$/.test(pattern)) for (const end of ['ed', 'ing', 'er']) forms.add(pattern + pattern.at(-1) + end);
  return forms.has(word);
}

/** A pattern as word groups: "open ... line" → [["open"], ["line"]], a gap of up to four words of the same clause between groups. */
function enPattern(source: string): string[][] {
  return source.split('...').map((part) => enTokens(part).filter((t) => !isBreak(t)));
}

/** Where a word sequence starts at position i (every word adjacent), or -1. */
function seqEnd(tokens: string[], i: number, seq: string[]): number {
  for (let k = 0; k < seq.length; k++) if (!tokens[i + k] || !wordMatches(seq[k]!, tokens[i + k]!)) return -1;
  return i + seq.length;
}

function enFind(tokens: string[], pattern: string[][], negated: boolean[]): number | undefined {
  for (let i = 0; i < tokens.length; i++) {
    if (negated[i]) continue;
    let end = seqEnd(tokens, i, pattern[0]!);
    for (let g = 1; end >= 0 && g < pattern.length; g++) {
      let next = -1;
      for (let j = end; j < tokens.length && j - end <= 4 && !isBreak(tokens[j]!); j++) {
        next = seqEnd(tokens, j, pattern[g]!);
        if (next >= 0) break;
      }
      end = next;
    }
    if (end >= 0) return i;
  }
  return undefined;
}

/** For each token, whether it lies in the scope of a negation ("do not …", "keep clear of …"). */
function enNegated(tokens: string[], v: StepLintVocabulary['negation']): boolean[] {
  const negators = v.en.map((n) => enTokens(n));
  const undone = new Set(v.undone_by.en);
  const ends = new Set(v.scope_ends.en);
  const out: boolean[] = [];
  let on = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isBreak(t) || ends.has(t)) on = false;
    for (const n of negators) {
      const end = seqEnd(tokens, i, n);
      if (end < 0) continue;
      // "do not forget to loosen …" is an instruction after all.
      const after = tokens[end] === 'to' ? tokens[end + 1] : tokens[end];
      if (!after || ![...undone].some((u) => wordMatches(u, after))) on = true;
    }
    out.push(on);
  }
  return out;
}

// ---------------------------------------------------------------- Chinese

const ZH_BREAK = /[，。；：！？,.;:!?（）()]/;

function zhNegated(text: string, v: StepLintVocabulary['negation']): boolean[] {
  const out: boolean[] = [];
  let on = false;
  for (let i = 0; i < text.length; i++) {
    if (ZH_BREAK.test(text[i]!) || v.scope_ends.zh.some((e) => text.startsWith(e, i))) on = false;
    for (const n of v.zh) {
      if (!text.startsWith(n, i)) continue;
      if (!v.undone_by.zh.some((u) => text.startsWith(u, i + n.length))) on = true;
    }
    out.push(on);
  }
  return out;
}

/** Start of an unnegated match of "a...b" (b within eight characters after a), or undefined. */
function zhFind(text: string, pattern: string, negated: boolean[]): number | undefined {
  const [first, ...rest] = pattern.split('...').map((p) => p.trim());
  for (let i = text.indexOf(first!); i >= 0; i = text.indexOf(first!, i + 1)) {
    if (negated[i]) continue;
    let end = i + first!.length;
    let ok = true;
    for (const part of rest) {
      const j = text.indexOf(part, end);
      if (j < 0 || j - end > 8 || ZH_BREAK.test(text.slice(end, j))) {
        ok = false;
        break;
      }
      end = j + part.length;
    }
    if (ok) return i;
  }
  return undefined;
}

// ---------------------------------------------------------------- both

interface Prepared {
  find(pattern: string): boolean;
  contains(phrases: string[]): string | undefined;
  containsUnnegated(phrases: string[]): string | undefined;
}

function prepare(text: string, lang: Lang, v: StepLintVocabulary, remove: string[] = []): Prepared {
  if (lang === 'en') {
    let lower = text.toLowerCase();
    for (const r of remove) lower = lower.split(r.toLowerCase()).join(' ');
    const tokens = enTokens(lower);
    const negated = enNegated(tokens, v.negation);
    const none = tokens.map(() => false);
    const find = (p: string, neg: boolean[]) => enFind(tokens, enPattern(p), neg) !== undefined;
    return {
      find: (p) => find(p, negated),
      contains: (ps) => ps.find((p) => find(p, none)),
      containsUnnegated: (ps) => ps.find((p) => find(p, negated)),
    };
  }
  let t = text.normalize('NFKC');
  for (const r of remove) t = t.split(r).join('　');
  const negated = zhNegated(t, v.negation);
  const none: boolean[] = new Array<boolean>(t.length).fill(false);
  return {
    find: (p) => zhFind(t, p, negated) !== undefined,
    contains: (ps) => ps.find((p) => zhFind(t, p, none) !== undefined),
    containsUnnegated: (ps) => ps.find((p) => zhFind(t, p, negated) !== undefined),
  };
}

/** Everything the lint finds wrong with one operator step's text (both languages). */
export function lintStepText(step: Record<Lang, string>, v: StepLintVocabulary): StepFinding[] {
  const findings: StepFinding[] = [];
  for (const lang of LANGUAGES) {
    const text = prepare(step[lang], lang, v, v.not_hazards[lang]);
    const iso = v.isolation;
    const isolated = prepare(step[lang], lang, v).contains(iso.isolated[lang]);
    for (const hazard of v.hazards) {
      const hit = hazard[lang].find((p) => text.find(p));
      if (hit && !(hazard.isolation_makes_safe && isolated)) {
        findings.push({ lang, rule: 'hazard', id: hazard.id, match: hit, message: `"${hit}": ${hazard.why.en}` });
      }
    }
    const parts = prepare(step[lang], lang, v, iso.not_moving_parts[lang]);
    const part = parts.contains(iso.moving_parts[lang]);
    const handsOn = part && parts.containsUnnegated(iso.hands_on[lang]);
    if (part && handsOn && !isolated) {
      findings.push({
        lang,
        rule: 'isolation',
        id: 'isolation',
        match: `${handsOn} … ${part}`,
        message: `"${handsOn}" at a moving part ("${part}") without saying the machine is isolated (engine off and key out, e-stop, locked off) in the step itself`,
      });
    }
  }
  return findings;
}
