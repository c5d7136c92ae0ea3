import type { Answers, Bilingual } from './vocabulary.js';
import { hasCjk, normalise, PhraseMatcher, type Hit } from './phrases.js';

/**
 * The answers the conversation understands, read from knowledge/conversation/answers.yaml.
 * Each recognizer returns undefined when it does not understand: the prompt then asks
 * again (and after two misses offers a person) rather than guess.
 */
export type StepOutcome = 'fixed' | 'not-fixed' | 'next' | 'could-not-do' | 'not-it';

export interface StepAnswer {
  outcome: StepOutcome;
  /** A reading or fault code the operator typed ("92 degrees", "E-0231"), for the technician. */
  reading?: string;
}

const both = (b: Bilingual) => [...b.en, ...b.zh];
/** Words that turn "fixed" / "works" into their opposite when they come just before. */
const NEGATORS = new Set(['not', 'never', 'isnt', 'didnt', 'doesnt', 'wont', 'hasnt', 'havent', 'aint', 'cant', 'cannot', 'no']);
const CJK_NEGATORS = new Set(['不', '没', '未', '别']);
/** A question back is short: at most this many Latin words or Chinese characters. */
const QUESTION_WORDS = 8;
const QUESTION_CHARS = 12;

export class AnswerRecognizers {
  private readonly yesNoWords: PhraseMatcher<'yes' | 'no' | 'unsure' | 'filler'>;
  private readonly hedgeWords: PhraseMatcher<'hedge'>;
  private readonly questionWords: PhraseMatcher<'question'>;
  private readonly downWords: PhraseMatcher<'yes' | 'no'>;
  private readonly skipWords: PhraseMatcher<'skip' | 'filler'>;
  private readonly stepWords: PhraseMatcher<'fixed' | 'not_fixed' | 'next' | 'cannot_do' | 'not_it'>;
  private readonly noneWords: PhraseMatcher<'none'>;
  private readonly ordinalWords: PhraseMatcher<string>;
  private readonly choiceFiller: Set<string>;
  private readonly readings: RegExp[];
  private readonly vagueWords: PhraseMatcher<'vague'>;
  private readonly english: Set<string>;

  constructor(readonly answers: Answers) {
    this.yesNoWords = new PhraseMatcher({
      yes: both(answers.yes_no.yes),
      no: both(answers.yes_no.no),
      unsure: both(answers.yes_no.unsure),
      filler: both(answers.yes_no.filler),
    });
    this.hedgeWords = new PhraseMatcher({ hedge: both(answers.hedges) });
    this.questionWords = new PhraseMatcher({ question: both(answers.question_back) });
    this.downWords = new PhraseMatcher({ yes: both(answers.machine_down.yes), no: both(answers.machine_down.no) });
    this.skipWords = new PhraseMatcher({ skip: both(answers.skip.answers), filler: both(answers.skip.filler) });
    const o = answers.step_outcomes;
    this.stepWords = new PhraseMatcher({
      fixed: both(o.fixed),
      not_fixed: both(o.not_fixed),
      next: both(o.next),
      cannot_do: both(o.cannot_do),
      not_it: both(o.not_it),
    });
    this.noneWords = new PhraseMatcher({ none: both(answers.choice.none) });
    this.ordinalWords = new PhraseMatcher(Object.fromEntries(answers.choice.ordinals.map((x) => [String(x.position), [...x.en, ...x.zh]])));
    this.choiceFiller = new Set(both(answers.choice.filler).map((w) => normalise(w)));
    this.readings = answers.readings.patterns.map((p) => new RegExp(p, 'giu'));
    this.vagueWords = new PhraseMatcher({ vague: both(answers.vague) });
    this.english = new Set(answers.english_words.map((w) => normalise(w).replace(/'/g, '')));
  }

  /**
   * Yes or no from the vocabulary (the culture model is asked by the prompt too). Both,
   * or an unsure word, is not an answer. `question` adds the phrases of that question
   * ("completely down" answers "is the machine down?").
   */
  yesNo(text: string, question: 'confirm' | 'down' = 'confirm'): boolean | undefined {
    const labels = new Set<string>(this.yesNoWords.find(text).map((h) => h.label));
    if (question === 'down') for (const h of this.downWords.find(text)) labels.add(h.label);
    if (labels.has('unsure') || (labels.has('yes') && labels.has('no'))) return undefined;
    if (labels.has('yes')) return true;
    if (labels.has('no')) return false;
    return undefined;
  }

  /** Nothing but yes/no words and their filler ("yes please", "nope", "好吧"): a plain answer to a yes/no question. */
  onlyYesNo(text: string): boolean {
    if (!this.yesNoWords.find(text).some((h) => h.label !== 'filler')) return false;
    return !/[\p{L}\p{N}]/u.test(this.yesNoWords.rest(text));
  }

  /** The answer without its hedges, as typed otherwise: "model is QTZ125 i think" → "model is QTZ125", "应该是吧" → "是". */
  withoutHedges(text: string): string {
    const hits = this.hedgeWords.find(text);
    if (hits.length === 0) return text.trim();
    // Positions are in the normalised text; where normalising changed the length, the normalised words are all there is.
    let out = normalise(text).length === text.length ? text : normalise(text);
    for (const h of hits) out = out.slice(0, h.start) + ' '.repeat(h.end - h.start) + out.slice(h.end);
    return out.replace(/\s+/g, ' ').trim();
  }

  /**
   * A question back instead of an answer: "what's a relief valve?", "在哪里看？", "啥意思" —
   * short (a sentence about the fault that asks something is a description).
   */
  isQuestionBack(text: string): boolean {
    const norm = normalise(text);
    const short =
      (norm.match(/[a-z']+/g)?.length ?? 0) <= QUESTION_WORDS && (norm.match(/[\u3400-\u9fff]/gu)?.length ?? 0) <= QUESTION_CHARS;
    return short && this.questionWords.find(text).length > 0;
  }

  /** True when there is an unsure word: the culture model's "yes" in "not sure" must not count. */
  unsure(text: string): boolean {
    return this.yesNoWords.find(text).some((h) => h.label === 'unsure');
  }

  /** "need help", "有个问题": a problem is announced but not described. */
  isVague(text: string): boolean {
    return !/[\p{L}\p{N}]/u.test(this.vagueWords.rest(text));
  }

  /** A message in a language the bot does not speak: three Latin words or more, fewer than one in five common English, no Chinese. */
  isForeign(text: string): boolean {
    const norm = normalise(text);
    if (hasCjk(norm)) return false;
    const words = norm.match(/\p{L}[\p{L}']*/gu) ?? [];
    const known = words.filter((w) => this.english.has(w.replace(/'/g, ''))).length;
    return words.length >= 3 && known / words.length < 0.2;
  }

  /** Words of the message that this option's text explains and the other's does not (stems, Chinese pairs). */
  distinctEvidence(message: string, option: string, other: string): string[] {
    const mine = new Set(contentTokens(option, this.choiceFiller));
    const theirs = new Set(contentTokens(other, this.choiceFiller));
    return [...new Set(contentTokens(message, this.choiceFiller))].filter((w) => mine.has(w) && !theirs.has(w));
  }

  /** "don't know", "skip it", "没铭牌，看不到": a non-answer to an optional question, never stored as data. */
  isSkip(text: string): boolean {
    const hits = this.skipWords.find(text);
    if (!hits.some((h) => h.label === 'skip')) return false;
    return !/[\p{L}\p{N}]/u.test(this.skipWords.rest(text));
  }

  /** An answer at a troubleshooting step, negation handled; a reading alone means "checked, next". */
  stepAnswer(text: string): StepAnswer | undefined {
    const norm = normalise(text);
    const hits = this.stepWords.find(text).map((h) => this.negated(h, norm));
    const reading = this.reading(text);
    const has = (l: string) => hits.some((h) => h.label === l);
    let outcome: StepOutcome | undefined;
    if (has('not_it')) outcome = 'not-it';
    else if (has('cannot_do')) outcome = 'could-not-do';
    else {
      // Fixed against not fixed: the last one said counts ("I thought that fixed it but it didn't").
      const last = hits.filter((h) => h.label === 'fixed' || h.label === 'not_fixed').at(-1);
      if (last) outcome = last.label === 'fixed' ? 'fixed' : 'not-fixed';
      else if (has('next') || reading) outcome = 'next';
    }
    if (!outcome) return undefined;
    return reading ? { outcome, reading } : { outcome };
  }

  /** "not working now", "没好", "不转了": a negation just before a "fixed" phrase flips it. */
  private negated<L extends string>(h: Hit<L>, norm: string): Hit<L> {
    if (h.label !== 'fixed') return h;
    if (hasCjk(h.phrase)) {
      const before = norm.slice(Math.max(0, h.start - 1), h.start);
      return CJK_NEGATORS.has(before) ? { ...h, label: 'not_fixed' as L } : h;
    }
    const words = norm
      .slice(0, h.start)
      .split(/[,;.!?，。；！？]/)
      .at(-1)!
      .replace(/'/g, '')
      .split(/\s+/)
      .filter(Boolean)
      .slice(-2);
    return words.some((w) => NEGATORS.has(w)) ? { ...h, label: 'not_fixed' as L } : h;
  }

  /** A reading or fault code in the message, as typed. */
  reading(text: string): string | undefined {
    const norm = normalise(text);
    for (const re of this.readings) {
      re.lastIndex = 0;
      if (re.test(norm)) return text.trim().slice(0, 300);
    }
    return undefined;
  }

  /**
   * Which of the options the answer means: by ordinal ("the second one", "第二个"), by
   * its words ("the remote one", "那个遥控的"), or none of them ("none of these",
   * "都不是"). Digits inside a sentence never pick; a bare number is handled by the
   * prompt (the options are numbered in the message).
   */
  choice(text: string, options: readonly string[]): number | 'none' | undefined {
    if (this.noneWords.find(text).length > 0) return 'none';
    const positions = new Set(this.ordinalWords.find(text).map((h) => Number(h.label)));
    if (positions.size === 1) {
      const p = [...positions][0]!;
      // "last" is the last option listed, whatever the count.
      const index = this.ordinalWords.find(text).some((h) => /last|最后/.test(h.phrase)) ? options.length - 1 : p - 1;
      if (index < options.length) return index;
    }
    const words = contentTokens(text, this.choiceFiller);
    if (words.length === 0) return undefined;
    const scores = options.map((o) => overlap(words, contentTokens(o, this.choiceFiller)));
    const best = Math.max(...scores);
    if (best <= 0) return undefined;
    const winners = scores.filter((s) => s === best).length;
    return winners === 1 ? scores.indexOf(best) : undefined;
  }
}

/** A whole message that is only a number ("2", "#2", "2."): that numbered option (keypads, DTMF). */
export function bareNumber(text: string): number | undefined {
  const m = /^\s*#?\s*(\d{1,2})\s*[.)。、]?\s*$/u.exec(normalise(text));
  return m ? Number(m[1]) : undefined;
}

/** Latin word stems (first four letters: "driv" is drive, driving) and Chinese character pairs: enough to tell options apart. */
function contentTokens(text: string, filler: Set<string>): string[] {
  const norm = normalise(text);
  const out: string[] = [];
  for (const w of norm.match(/[a-z][a-z']*/g) ?? []) {
    const bare = w.replace(/'/g, '');
    if (filler.has(w) || filler.has(bare) || bare.length < 3) continue;
    out.push(bare.slice(0, 4));
  }
  for (const run of norm.match(/[\u3400-\u9fff]+/gu) ?? []) {
    let r = run;
    for (const f of filler) if (hasCjk(f)) r = r.split(f).join(' ');
    for (const part of r.split(' ')) {
      const chars = [...part];
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
    }
  }
  return out;
}

function overlap(a: string[], b: string[]): number {
  const set = new Set(b);
  return new Set(a.filter((t) => set.has(t))).size;
}
