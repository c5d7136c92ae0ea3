import type { MessageCues } from './language-data.js';
import { blankSpans, normaliseText, PhraseSet, type PhraseHit } from './phrases.js';
import { tokenize } from './text.js';

/**
 * Reading a message before matching it: its clauses, which of them say that something
 * is wrong, which rule something out ("the boom is fine", "不是臂架", "没有报警"), which
 * is the primary complaint and which a minor one, and which are only context. The cue
 * words are data (knowledge/message-cues.yaml).
 */

export interface Clause {
  /** The clause's text (normalised), with its position in the normalised message. */
  text: string;
  start: number;
  end: number;
  /** Says that something is wrong ("won't lift", "漏油"), not only names a part. */
  symptomatic: boolean;
  /** The whole clause says its subject is fine or not the problem: evidence against. */
  ruledOut: boolean;
  /** Parts of an otherwise affirmative clause that are ruled out ("…, no alarm"). */
  ruledOutSpans: PhraseHit[];
  /** In a ruled-out clause, the words that rule out ("is fine", "not the"): what remains is the subject. */
  cueSpans: PhraseHit[];
  /** Ruled out by "not the X" / "不是X" rather than by saying X is fine. */
  notThe: boolean;
  primary: boolean;
  minor: boolean;
  /** Says nothing but that a complaint is minor ("whatever", "not urgent", "无所谓"). */
  minorOnly: boolean;
  /** Names surroundings rather than the machine ("mixer trucks are queuing"). */
  incidental: boolean;
  /** Ruled out as a danger that is not there ("no fire or smoke", "没冒烟"). */
  dangerRuledOut: boolean;
  /** Says only that something is wrong, naming nothing ("but no pressure", "还是不行"): its subject is in the clause before. */
  bare: boolean;
  /** Split from the clause before by a word, not punctuation ("the trolley will | only creep in"). */
  continues: boolean;
}

/** A stretch of the message matched as one query, with how much it counts. */
export interface Segment {
  text: string;
  /** > 0: evidence for what it matches; < 0: evidence against (ruled out). */
  weight: number;
  symptomatic: boolean;
}

export interface MessageAnalysis {
  /** NFKC, lower case: the form every later step works on. */
  normalised: string;
  clauses: Clause[];
  /** At least one clause describes a fault. */
  symptomatic: boolean;
}

/** Hard breaks between clauses; a comma inside a number ("1,200") is not one. */
const PUNCTUATION = /[.;!?。；！？\n…]+|,(?!\d)|[，、]|\s-\s|\s—\s|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])/gu;
/** Chinese A-not-A questions (有没有, 能不能, 贵不贵) ask; they do not report a fault. */
const A_NOT_A = /([\u3400-\u9fff])[不没]\1/gu;

/** The negation opening a "fine" phrase ("no smoke", "not leaning"). */
const NEGATOR = /^(?:no|not|nothing|nobody|no one)(?=\s)/u;
const ZH_NEGATOR = /^(?:没有|没|不)/u;
/** The next item of a negated list: ", sparks", " or smoke", " nor flames". */
const LIST_NEXT = /^(\s*(?:,|\bor\b|\bnor\b|\band\b|,\s*or\b)\s*(?:any\s+)?)([a-z]+)/u;

/** How much a segment counts (chosen on the calibration set, not per query). */
export const SEGMENT_WEIGHT = {
  first: 1,
  later: 0.8,
  primary: 1.5,
  minor: 0.45,
  /** Non-fault clauses (context, story) of a long message. */
  context: 0.3,
  /** Ruled-out clauses: subtracted. */
  ruledOut: -0.6,
} as const;
/** A clause with this many words says something of its own (for ruling out beside it). */
const AFFIRMED_MIN_WORDS = 3;
/** Context clauses this short belong to the complaint beside them ("the boom, it won't move"). */
const ATTACH_MAX_WORDS = 6;

export class MessageAnalyser {
  private readonly breaks: PhraseSet;
  private readonly symptom: PhraseSet;
  private readonly notSymptom: PhraseSet;
  private readonly fine: PhraseSet;
  private readonly notThe: PhraseSet;
  private readonly primary: PhraseSet;
  private readonly minor: PhraseSet;
  private readonly incidental: PhraseSet;
  readonly subjectMarkers: PhraseSet;
  private readonly danger: PhraseSet;
  private readonly discourse: PhraseSet;
  private readonly story: PhraseSet;
  private readonly idioms: PhraseRewriter;
  private readonly lexicalForms: PhraseRewriter;

  constructor(cues: MessageCues) {
    const set = (c: { en: string[]; zh: string[] }) => new PhraseSet([...c.en, ...c.zh]);
    this.breaks = set(cues.clause_breaks);
    this.symptom = set(cues.symptom);
    this.notSymptom = set(cues.not_symptom);
    this.fine = set(cues.fine);
    this.notThe = set(cues.not_the);
    this.primary = set(cues.primary);
    this.minor = set(cues.minor);
    this.incidental = set(cues.incidental);
    this.subjectMarkers = set(cues.subject_markers);
    this.danger = set(cues.danger);
    this.discourse = set(cues.discourse);
    this.story = set(cues.story);
    // Shorthand and idioms alike are read as the manual's plain words, in one pass.
    this.idioms = new PhraseRewriter([...cues.idioms.en, ...cues.idioms.zh, ...cues.shorthand.en, ...cues.shorthand.zh]);
    this.lexicalForms = new PhraseRewriter([...cues.lexical_forms.en, ...cues.lexical_forms.zh]);
  }

  /**
   * The text normalised, with operator idioms and shorthand in the manual's plain words
   * ("won't fire up" → "won't start", "hyd" → "hydraulic"), so that no later step reads
   * "fire" in a starting problem, nor misses the hydraulic oil in "hyd oil".
   */
  rewrite(text: string): string {
    return this.idioms.apply(normaliseText(text));
  }

  /**
   * The text as the lexical channel reads it, the manual's phrasings and the message alike:
   * phrases whose words alone would say the opposite in one word ("won't stop" → "nonstop",
   * "stopped" → "halted"), so that "the agitator stopped turning" no longer shares "stop"
   * and "turn" with "stop button does nothing, agitator still turning".
   */
  lexicalForm(text: string): string {
    return this.lexicalForms.apply(normaliseText(text));
  }

  analyse(text: string): MessageAnalysis {
    const normalised = normaliseText(text);
    const clauses = this.split(normalised).map(({ start, end, continues }) => ({
      ...this.readClause(normalised.slice(start, end), start, end),
      continues,
    }));
    return { normalised, clauses, symptomatic: clauses.some((c) => c.symptomatic) };
  }

  /**
   * The (normalised) text with its story words blanked ("since this morning", "after
   * lunch", "打着打着"): when it happened says nothing about which fault it is, and must not
   * pull the ranking toward a phrasing that happens to tell the same story.
   */
  withoutStory(text: string): string {
    return blankSpans(text, this.story.find(text));
  }

  /**
   * What the message affirms: its normalised text without the clauses and phrases that
   * rule something out ("no smoke", "没冒烟", "the boom is fine"). A danger is read here,
   * so that "no fire or smoke, just …" does not describe a fire.
   */
  affirmed(analysis: MessageAnalysis): string {
    const spans: { start: number; end: number }[] = [];
    for (const c of analysis.clauses) {
      if (c.ruledOut) spans.push({ start: c.start, end: c.end });
      else for (const s of c.ruledOutSpans) spans.push({ start: c.start + s.start, end: c.start + s.end });
    }
    return blankSpans(analysis.normalised, spans);
  }

  /** The (normalised) text describes a dangerous situation (fire, a person at risk, tipping …). */
  isDangerous(text: string): boolean {
    return this.danger.has(text);
  }

  /** Which danger cues the (normalised) text names ("on fire", "tilt*" …). */
  dangerCues(text: string): Set<string> {
    return new Set(this.danger.find(text).map((h) => h.phrase));
  }

  /** True when the (normalised) text says something is wrong. */
  describesFault(text: string): boolean {
    return this.symptomHits(text).length > 0;
  }

  /** The words of a (normalised) text that name surroundings ("queuing", "the pickup we came in"). */
  incidentalHits(text: string): PhraseHit[] {
    return this.incidental.find(text);
  }

  /** Whether a clause of this text names surroundings (for machine mentions). */
  isIncidental(text: string): boolean {
    return this.incidental.has(text);
  }

  private cleaned(text: string): string {
    return blankSpans(text, this.notSymptom.find(text)).replace(A_NOT_A, (m) => ' '.repeat(m.length));
  }

  /** Symptom words not inside a longer "fine" phrase ("no leaks" is fine, "not working" is not). */
  private symptomHits(text: string, fine = this.fine.find(text)): PhraseHit[] {
    return this.symptom.find(this.cleaned(text)).filter((s) => !fine.some((f) => overlaps(f, s) && f.end - f.start >= s.end - s.start));
  }

  private readClause(text: string, start: number, end: number): Omit<Clause, 'continues'> {
    const cleaned = this.cleaned(text);
    const symptoms = this.symptom.find(cleaned);
    // "Fine" words are read on the clause as written: 没问题 is a not-symptom and fine at once.
    // A discourse word opening the clause ("ok, …", "right so …") judges nothing.
    const opening = this.discourse
      .find(text)
      .filter((d) => /^[\s\p{P}]*$/u.test(text.slice(0, d.start)) && /[\p{L}\p{N}]/u.test(text.slice(d.end)));
    const fine = this.negatedLists(
      text,
      this.fine
        .find(text)
        .filter((f) => !symptoms.some((s) => overlaps(f, s) && s.end - s.start > f.end - f.start))
        .filter((f) => !opening.some((d) => overlaps(f, d))),
    );
    const realSymptoms = this.symptomHits(text, fine);
    const notTheHits = this.notThe.find(cleaned);
    const notThe = notTheHits.length > 0;
    const ruledOut = notThe || (fine.length > 0 && realSymptoms.length === 0);
    return {
      text,
      start,
      end,
      symptomatic: realSymptoms.length > 0 && !notThe,
      ruledOut,
      ruledOutSpans: ruledOut ? [] : fine,
      cueSpans: ruledOut ? [...notTheHits, ...fine.map((f) => this.negatorOnly(text, f))] : [],
      notThe,
      dangerRuledOut: ruledOut && fine.some((f) => this.negatorOnly(text, f).end < f.end),
      bare: realSymptoms.length > 0 && !notThe && tokenize(blankSpans(cleaned, [...realSymptoms, ...this.breaks.find(text)])).length === 0,
      primary: this.primary.has(text),
      minor: this.minor.has(text),
      minorOnly: this.minor.has(text) && tokenize(blankSpans(cleaned, this.minor.find(cleaned))).length === 0,
      incidental: this.incidental.has(text),
    };
  }

  /**
   * "no fire or smoke", "no smoke, sparks or smell": one negation ruling out a list. Each
   * listed word after the first is ruled out too when the negation with that word is
   * itself a "fine" phrase ("no smoke"), so the list reads as "no fire, no smoke".
   */
  private negatedLists(text: string, fine: PhraseHit[]): PhraseHit[] {
    const out = [...fine];
    for (const f of fine) {
      const negator = NEGATOR.exec(f.phrase)?.[0];
      if (!negator) continue;
      let at = f.end;
      for (;;) {
        const next = LIST_NEXT.exec(text.slice(at));
        if (!next) break;
        const word = next[2]!;
        const start = at + next[0].length - word.length;
        if (!this.fine.has(`${negator} ${word}`)) break;
        out.push({ phrase: `${negator} ${word}`, start, end: start + word.length });
        at = start + word.length;
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /**
   * In "no smoke" / "没冒烟" ruling out a danger, the danger is the subject ruled out: only the
   * negation is a cue word, so the stop-work entry it names counts against, not for.
   */
  private negatorOnly(text: string, f: PhraseHit): PhraseHit {
    const surface = text.slice(f.start, f.end);
    const negator = NEGATOR.exec(surface)?.[0] ?? ZH_NEGATOR.exec(surface)?.[0];
    // A later item of a negated list ("… or smoke") is all subject.
    if (!negator && this.danger.has(surface)) return { phrase: f.phrase, start: f.start, end: f.start };
    if (!negator || negator.length >= surface.length || !this.danger.has(surface.slice(negator.length).trim())) return f;
    return { phrase: f.phrase, start: f.start, end: f.start + negator.length };
  }

  private split(text: string): { start: number; end: number; continues: boolean }[] {
    const cuts = new Set<number>([0, text.length]);
    const punctuation = new Set<number>();
    for (const m of text.matchAll(PUNCTUATION)) {
      cuts.add(m.index);
      cuts.add(m.index + m[0].length);
      punctuation.add(m.index + m[0].length);
    }
    const byWord = new Set<number>();
    for (const hit of this.breaks.find(text)) {
      cuts.add(hit.start);
      if (!punctuation.has(hit.start) && !/[\p{P}]\s*$/u.test(text.slice(0, hit.start))) byWord.add(hit.start);
    }
    const sorted = [...cuts].sort((a, b) => a - b);
    const out: { start: number; end: number; continues: boolean }[] = [];
    for (let i = 0; i + 1 < sorted.length; i++) {
      const start = sorted[i]!;
      const end = sorted[i + 1]!;
      if (/[\p{L}\p{N}]/u.test(text.slice(start, end))) out.push({ start, end, continues: byWord.has(start) });
    }
    return out;
  }
}

/** Replaces listed phrases ({say, means}) in a normalised text by what they mean. */
class PhraseRewriter {
  private readonly set: PhraseSet;
  private readonly meaning = new Map<string, string>();

  constructor(pairs: readonly { say: string; means: string }[]) {
    for (const p of pairs) this.meaning.set(normaliseText(p.say).trim(), normaliseText(p.means).trim());
    this.set = new PhraseSet(pairs.map((p) => p.say));
  }

  apply(normalised: string): string {
    let out = '';
    let at = 0;
    for (const hit of this.set.find(normalised)) {
      out += normalised.slice(at, hit.start) + (this.meaning.get(hit.phrase) ?? normalised.slice(hit.start, hit.end));
      at = hit.end;
    }
    return out + normalised.slice(at);
  }
}

/** The complaint (a symptomatic segment so far) sharing most content words with `text`, if any shares one. */
function pointedComplaint(segments: Segment[], text: string): Segment | undefined {
  const wanted = new Set(tokenize(text));
  if (wanted.size === 0) return undefined;
  let best: Segment | undefined;
  let bestShared = 0;
  for (const seg of segments) {
    if (!seg.symptomatic) continue;
    const shared = new Set(tokenize(seg.text).filter((t) => wanted.has(t))).size;
    if (shared > bestShared) {
      best = seg;
      bestShared = shared;
    }
  }
  return best;
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

const words = (text: string) =>
  (text.match(/[\p{L}\p{N}]+/gu) ?? []).reduce((n, w) => n + (/[\u3400-\u9fff]/u.test(w) ? Math.ceil(w.length / 2) : 1), 0);

/**
 * Groups clauses into the stretches matched as queries: each complaint (a clause that
 * describes a fault, with the short context clauses beside it), the ruled-out clauses
 * (subtracted), and longer context (story, site details) at a low weight. The first
 * complaint leads unless cue words say another is the main one or this one is minor.
 */
export function segmentsOf(clauses: readonly Clause[], source: string): Segment[] {
  const anySymptom = clauses.some((c) => c.symptomatic);
  // Beside a clause that rules nothing out, a danger ruled out is evidence against even when
  // no clause has a symptom word ("no fire or smoke, just the gauge reads 95").
  const anyAffirmed = clauses.some((c) => !c.ruledOut && words(c.text) >= AFFIRMED_MIN_WORDS);
  const out: Segment[] = [];
  let pending: Clause[] = [];
  let complaints = 0;
  const flushContext = () => {
    for (const c of pending)
      out.push({ text: c.text, weight: anySymptom ? SEGMENT_WEIGHT.context : SEGMENT_WEIGHT.first, symptomatic: false });
    pending = [];
  };
  for (const clause of clauses) {
    // The text to match comes from the source (machine names blanked), the reading from the clause.
    const c = { ...clause, text: source.slice(clause.start, clause.end) };
    // A message of "fine" words only describes no fault at all: what it says is fine may
    // be the complaint ("the screed is cold"), so it is matched as it stands.
    // "the mud pump is running | but no pressure": a complaint naming nothing is about the
    // subject of the "fine" clause before it, which then rules nothing out.
    const next = clauses[clauses.indexOf(clause) + 1];
    const subjectOfNext = c.ruledOut && !c.notThe && next?.bare === true && next.continues;
    if (c.ruledOut && (anySymptom || (anyAffirmed && c.dangerRuledOut) || c.notThe) && !subjectOfNext) {
      flushContext();
      // What is ruled out is the clause's subject ("the boom itself"), not the words saying it is fine.
      out.push({ text: blankSpans(c.text, c.cueSpans), weight: SEGMENT_WEIGHT.ruledOut, symptomatic: false });
      continue;
    }
    const text = subjectOfNext
      ? blankSpans(c.text, c.cueSpans)
      : c.ruledOut
        ? c.text
        : blankSpans(
            c.text,
            c.ruledOutSpans.map((s) => ({ start: s.start, end: s.end })),
          );
    for (const s of c.ruledOutSpans) out.push({ text: c.text.slice(s.start, s.end), weight: SEGMENT_WEIGHT.ruledOut, symptomatic: false });
    // "…, mainly the boom" / "最要紧的是油温": a clause that only says which complaint is the
    // main one makes that complaint primary; its words are that complaint's, counted once.
    if (!c.symptomatic && c.primary && !c.ruledOut) {
      const pointed = pointedComplaint(out, text);
      if (pointed) {
        for (const seg of out) if (seg.symptomatic && seg.weight === SEGMENT_WEIGHT.primary) seg.weight = SEGMENT_WEIGHT.later;
        pointed.weight = SEGMENT_WEIGHT.primary;
        continue;
      }
    }
    if (!c.symptomatic) {
      const last = out.at(-1);
      // A short tail right after a complaint belongs to it ("…won't move, at all").
      if (pending.length === 0 && last?.symptomatic && words(c.text) <= ATTACH_MAX_WORDS && !c.incidental) {
        last.text += ` ${text}`;
        // "…, whatever", "…, not urgent": a tail of nothing but a minor cue makes that complaint minor.
        if (c.minorOnly && !c.primary && last.weight > SEGMENT_WEIGHT.minor && last.weight < SEGMENT_WEIGHT.primary)
          last.weight = SEGMENT_WEIGHT.minor;
        continue;
      }
      pending.push({ ...c, text });
      continue;
    }
    const lead = pending.filter((p) => !p.incidental);
    const leadWords = lead.reduce((n, p) => n + words(p.text), 0);
    // A clause cut from this one by a word, not punctuation, is its subject, however long
    // ("since the rain the trolley will | only creep in").
    const joined = c.continues && lead.at(-1) === pending.at(-1) ? lead.slice(-1) : [];
    const attached = leadWords <= ATTACH_MAX_WORDS ? lead : joined;
    pending = pending.filter((p) => !attached.includes(p));
    flushContext();
    let weight: number = complaints === 0 ? SEGMENT_WEIGHT.first : SEGMENT_WEIGHT.later;
    if (c.primary) weight = SEGMENT_WEIGHT.primary;
    else if (c.minor) weight = SEGMENT_WEIGHT.minor;
    complaints++;
    out.push({ text: [...attached.map((p) => p.text), text].join(' '), weight, symptomatic: true });
  }
  flushContext();
  return out;
}
