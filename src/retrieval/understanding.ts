import type { MessageCues } from './language-data.js';
import { blankSpans, normaliseText, PhraseSet } from './phrases.js';

/**
 * Reading a message before matching it: where its clauses are and which of them say
 * that something is wrong. The cue words are data (knowledge/message-cues.yaml).
 */

export interface Clause {
  /** The clause's text (normalised), with its position in the normalised message. */
  text: string;
  start: number;
  end: number;
  /** Says that something is wrong ("won't lift", "漏油"), not only names a part. */
  symptomatic: boolean;
}

export interface MessageAnalysis {
  /** NFKC, lower case: the form every later step works on (same length as the input's normalised form). */
  normalised: string;
  clauses: Clause[];
  /** At least one clause describes a fault. */
  symptomatic: boolean;
}

/** Hard breaks between clauses; a comma inside a number ("1,200") is not one. */
const PUNCTUATION = /[.;!?。；！？\n…]+|,(?!\d)|[，、]/gu;
/** Chinese A-not-A questions (有没有, 能不能, 贵不贵) ask; they do not report a fault. */
const A_NOT_A = /([\u3400-\u9fff])[不没]\1/gu;

export class MessageAnalyser {
  private readonly breaks: PhraseSet;
  private readonly symptom: PhraseSet;
  private readonly notSymptom: PhraseSet;

  constructor(cues: MessageCues) {
    this.breaks = new PhraseSet([...cues.clause_breaks.en, ...cues.clause_breaks.zh]);
    this.symptom = new PhraseSet([...cues.symptom.en, ...cues.symptom.zh]);
    this.notSymptom = new PhraseSet([...cues.not_symptom.en, ...cues.not_symptom.zh]);
  }

  analyse(text: string): MessageAnalysis {
    const normalised = normaliseText(text);
    const clauses = this.split(normalised).map(({ start, end }) => {
      const body = normalised.slice(start, end);
      return { text: body, start, end, symptomatic: this.describesFault(body) };
    });
    return { normalised, clauses, symptomatic: clauses.some((c) => c.symptomatic) };
  }

  /** True when the (normalised) text says something is wrong. */
  describesFault(text: string): boolean {
    const cleaned = blankSpans(text, this.notSymptom.find(text)).replace(A_NOT_A, '   ');
    return this.symptom.has(cleaned);
  }

  private split(text: string): { start: number; end: number }[] {
    const cuts = new Set<number>([0, text.length]);
    for (const m of text.matchAll(PUNCTUATION)) {
      cuts.add(m.index);
      cuts.add(m.index + m[0].length);
    }
    for (const hit of this.breaks.find(text)) cuts.add(hit.start);
    const sorted = [...cuts].sort((a, b) => a - b);
    const out: { start: number; end: number }[] = [];
    for (let i = 0; i + 1 < sorted.length; i++) {
      const start = sorted[i]!;
      const end = sorted[i + 1]!;
      if (/[\p{L}\p{N}]/u.test(text.slice(start, end))) out.push({ start, end });
    }
    return out;
  }
}
