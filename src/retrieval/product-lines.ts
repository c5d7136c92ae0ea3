import type { ProductLineCode, ServicePolicy } from '../knowledge/schema.js';
import type { Clause, MessageAnalyser } from './understanding.js';
import { blankSpans, normaliseText, PhraseSet, type PhraseHit } from './phrases.js';
import { isStopWord } from './text.js';
import type { ModelCodeReader } from './model-codes.js';
import { pinyinSyllables } from './sound.js';
import { tokenize } from './text.js';

/**
 * Which machine a message is about: one of our product lines named in the text
 * ("my pump truck's boom…", "塔吊吊不起来", also misspelt or as a homophone: 压路鸡), or
 * a machine we do not service — read from what the text is about, not from one word:
 * a name counts when its clause describes the fault or presents it as the machine
 * ("my excavator", "那台挖机"), not when it is surroundings ("the mixer trucks are
 * queuing", "the pickup we came in"), not when one of our lines is named too, and
 * never when the manual itself uses the word for a part of our machines (小车, the
 * tower crane's trolley).
 */

export interface MachineReading {
  line?: ProductLineCode;
  /** Every product line named (several when the text names more than one machine). */
  named: ProductLineCode[];
  otherMachine: boolean;
  /** The other machines' names that made it so (for explanations and tests). */
  otherNames: string[];
  /** The (normalised) text with every machine name blanked out: what describes the fault. */
  remainder: string;
}

interface Alias {
  line: ProductLineCode;
  text: string;
}

const CJK = /[\u3400-\u9fff]/u;
/** Text ending in a negation: "not discharging", "不卸料" report a fault, not surroundings. */
const NEGATED = /(?:\b(?:not|no|never|won't|wont|isn't|doesn't|didn't|can't|cant|stopped|stops|quit)\s+|[不没未]\s*)$/u;

export class ProductLineDetector {
  private readonly ours: PhraseSet;
  private readonly aliasLine = new Map<string, ProductLineCode>();
  private readonly fuzzyAliases: Alias[];
  private readonly pinyinAliases: { line: ProductLineCode; syllables: string }[];
  private readonly others: PhraseSet;
  private readonly fuzzyOthers: string[];
  /** Names of several words, one of them long enough to be misspelt ("plate compacter"). */
  private readonly fuzzyOtherPhrases: string[][];
  /**
   * Other machines' names that the manual also uses for something of ours ("loader" of the
   * drill's rod loader, 发电机 of the screed heating): with the words the manual uses beside them.
   */
  private readonly sharedNames: PhraseSet;
  private readonly sharedCompany = new Map<string, Set<string>>();

  /**
   * @param otherNames names of machines we do not service
   * @param manualWords every word and Chinese text of the manual: a name the manual uses is one of our parts
   */
  constructor(
    policy: ServicePolicy,
    otherNames: readonly string[],
    private readonly analyser: MessageAnalyser,
    private readonly manual: { hasWord(w: string): boolean; hasText(t: string): boolean; companyOf(name: string): Set<string> },
    byContext: readonly string[] = [],
    /** Model codes and maker names ("QTZ80", "W2000", "Vögele"): the machine when no name says it. */
    private readonly models?: ModelCodeReader,
  ) {
    const aliases: Alias[] = policy.product_lines.flatMap((l) =>
      [...l.aliases.en, ...l.aliases.zh, l.name.en, ...l.name.zh.split('/')].map((a) => ({ line: l.code, text: normaliseText(a).trim() })),
    );
    for (const a of aliases) this.aliasLine.set(a.text, a.line);
    this.ours = new PhraseSet(aliases.map((a) => a.text));
    this.fuzzyAliases = aliases.filter((a) => /^[a-z]{6,}$/.test(a.text));
    this.pinyinAliases = aliases
      .filter((a) => CJK.test(a.text) && [...a.text].length >= 3)
      .map((a) => ({ line: a.line, syllables: ` ${pinyinSyllables(a.text).join(' ')} ` }));
    const contextual = byContext.map((n) => normaliseText(n).trim()).filter((n) => !this.aliasLine.has(n));
    const names = [...otherNames, ...policy.other_machines.en, ...policy.other_machines.zh, ...contextual]
      .map((n) => normaliseText(n).trim())
      .filter((n) => !this.isOurPart(n) && !this.aliasLine.has(n));
    const shared = [...new Set(contextual.filter((n) => this.isOurPart(n)))];
    for (const n of shared) this.sharedCompany.set(n, manual.companyOf(n));
    this.sharedNames = new PhraseSet(shared);
    this.others = new PhraseSet(names);
    this.fuzzyOthers = names.filter((n) => /^[a-z]{6,}$/.test(n));
    this.fuzzyOtherPhrases = names
      .filter((n) => /^[a-z]+( [a-z]+)+$/.test(n) && n.split(' ').some((w) => w.length >= 6))
      .map((n) => n.split(' '));
  }

  /** The manual uses this word for a part of our machines (小车, 空调 in a cab …). */
  private isOurPart(name: string): boolean {
    return CJK.test(name) ? this.manual.hasText(name) : name.split(/\s+/).length === 1 && this.manual.hasWord(name);
  }

  detect(text: string, clauses?: readonly Clause[]): MachineReading {
    const normalised = normaliseText(text);
    const own = clauses ?? this.analyser.analyse(text).clauses;
    let remainder = normalised;
    const blank = (hits: { start: number; end: number }[]) => {
      for (const h of hits) remainder = remainder.slice(0, h.start) + ' '.repeat(h.end - h.start) + remainder.slice(h.end);
    };

    // Other machines first, so that "mobile crane" is not read as our "crane" nor
    // "plate compactor" as our "compactor".
    const otherHits: PhraseHit[] = [...this.others.find(normalised), ...this.misspeltOthers(normalised)];
    blank(otherHits);
    const sharedHits = this.sharedNamesAsOthers(remainder);
    otherHits.push(...sharedHits);
    blank(sharedHits);
    // Model codes are blanked whatever else names the machine: a model number is not a fault's evidence.
    const modelHits = this.models?.find(remainder) ?? [];
    blank(modelHits);
    const ourHits = this.ours.find(remainder);
    // A machine named in a clause that rules it out ("not the roller", "the roller guys say
    // it's not them", "the paver is fine") is not the machine the message is about; but
    // when the clause rules out a part of it ("the tower crane's trolley is fine"), the
    // machine is still named.
    const withoutNames = blankSpans(remainder, ourHits);
    const rulesOutMachine = (c: Clause) => c.notThe || !this.namesPart(blankSpans(withoutNames.slice(c.start, c.end), c.cueSpans));
    const ruledOut = (h: PhraseHit) => own.some((c) => c.ruledOut && c.start <= h.start && h.start < c.end && rulesOutMachine(c));
    const named = new Set<ProductLineCode>(
      ourHits
        .filter((h) => !ruledOut(h))
        .map((h) => this.aliasLine.get(h.phrase) ?? this.aliasLine.get(h.phrase.replace(/(es|s)$/, ''))!)
        .filter(Boolean),
    );
    blank(ourHits);
    for (const h of this.misspeltOurs(remainder)) {
      named.add(h.line);
      blank([h]);
    }
    if (named.size === 0) {
      for (const h of this.homophoneOurs(remainder)) {
        named.add(h.line);
        blank([h]);
      }
    }
    // No machine named by word: its model code or maker names it ("my QTZ80 won't slew").
    if (named.size === 0) for (const h of modelHits) named.add(h.line);

    const inClause = (c: Clause) => otherHits.some((h) => c.start <= h.start && h.start < c.end);
    // The complaint that leads (the first one, or the one cue words call the main one): a
    // machine named only in a later or minor complaint ("…, the cab air conditioner is out
    // too") is a side remark when the leading complaint names none.
    const symptomatic = own.filter((c) => c.symptomatic);
    const leading = symptomatic.find((c) => c.primary) ?? symptomatic[0];
    const aside = (h: PhraseHit) => {
      const clause = own.find((c) => c.start <= h.start && h.start < c.end);
      // Only a complaint of its own after the leading one; a name presented as the machine
      // ("我们那台挖机 / 动臂抬不起来") is still what the message is about.
      return (
        clause !== undefined &&
        leading !== undefined &&
        clause.symptomatic &&
        clause.start > leading.start &&
        !clause.primary &&
        !inClause(leading)
      );
    };
    const about = otherHits.filter((h) => this.isAbout(h, normalised, own) && !aside(h));
    return {
      line: named.size === 1 ? [...named][0] : undefined,
      named: [...named],
      otherMachine: named.size === 0 && about.length > 0,
      otherNames: about.map((h) => h.phrase),
      remainder,
    };
  }

  /** The text uses a word of the manual (a part, a function of our machines). */
  private namesPart(text: string): boolean {
    for (const w of text.match(/[a-z]+/g) ?? []) if (w.length >= 3 && !isStopWord(w) && this.manual.hasWord(w)) return true;
    for (const run of text.match(/[\u3400-\u9fff]+/gu) ?? []) {
      const chars = [...run];
      for (let i = 0; i + 1 < chars.length; i++) if (this.manual.hasText(chars[i]! + chars[i + 1]!)) return true;
    }
    return false;
  }

  /** Is the message about this other machine, rather than naming it as surroundings? */
  private isAbout(hit: PhraseHit, text: string, clauses: readonly Clause[]): boolean {
    const clause = clauses.find((c) => c.start <= hit.start && hit.start < c.end);
    // Named as surroundings, or as what is fine while a fault is told elsewhere ("发电机那边正常发电"): not what the message is about.
    if (!clause || this.incidentalTo(hit, clause, text)) return false;
    if (clause.ruledOut && clauses.some((c) => c.symptomatic)) return false;
    if (clause.symptomatic || !clauses.some((c) => c.symptomatic)) return true;
    // Named in a clause without fault words while another clause describes the fault:
    // only when presented as the machine in question ("my excavator. the tracks won't turn").
    const before = text.slice(Math.max(clause.start, hit.start - 24), hit.start);
    // A model code before the name ("PC200 挖机") presents it as the machine just as well.
    return (
      this.analyser.subjectMarkers.has(before) ||
      /^[\s\p{P}]*(?:[a-z]+-?\d+[a-z0-9-]*[\s\p{P}]*)?$/u.test(text.slice(clause.start, hit.start))
    );
  }

  /**
   * Does the clause name this machine as surroundings? An incidental word ("queuing",
   * "parked", 卸料) counts unless it is negated ("not discharging", 不卸料: a fault of the
   * machine) or a fault is described between it and the name ("the excavator boom creeps
   * down when parked": the excavator's own fault).
   */
  private incidentalTo(hit: PhraseHit, clause: Clause, text: string): boolean {
    if (!clause.incidental) return false;
    const clauseText = text.slice(clause.start, clause.end);
    return this.analyser.incidentalHits(clauseText).some((cue) => {
      const start = clause.start + cue.start;
      const end = clause.start + cue.end;
      if (NEGATED.test(text.slice(clause.start, start))) return false;
      const between = start >= hit.end ? text.slice(hit.end, start) : text.slice(end, hit.start);
      return !this.analyser.describesFault(between);
    });
  }

  /**
   * A name the manual also uses for a part of ours is another machine only when the message
   * talks about nothing the manual says beside that name: "the loader bucket won't curl
   * back" is a loader; "loader won't pick up the next rod" is the drill's rod loader.
   */
  private sharedNamesAsOthers(text: string): PhraseHit[] {
    const hits = this.sharedNames.find(text);
    if (hits.length === 0) return [];
    const rest = new Set(
      tokenize(text.slice(0, hits[0]!.start) + ' ' + hits.map((h, i) => text.slice(h.end, hits[i + 1]?.start ?? text.length)).join(' ')),
    );
    return hits.filter((h) => {
      const company = this.sharedCompany.get(h.phrase);
      if (!company) return false;
      // A single Chinese character (不, 油) says too little to tie the message to the manual's use.
      for (const t of rest) if (company.has(t) && !(CJK.test(t) && t.length < 2)) return false;
      return true;
    });
  }

  /** "excavater", "forklfit": one typo from a one-word name of six letters or more (and not a word of the manual). */
  private misspeltOthers(text: string): PhraseHit[] {
    const out = misspelt(text, this.fuzzyOthers, this.manual).map((m) => ({ phrase: m.name, start: m.start, end: m.end }));
    // Several words: every word as written or, for a word of six letters or more, one typo
    // away; at least one written exactly and one not (the exact phrase is found already).
    const words = [...text.matchAll(/[a-z]+/g)];
    for (const name of this.fuzzyOtherPhrases) {
      for (let i = 0; i + name.length <= words.length; i++) {
        let exact = 0;
        let near = 0;
        for (let k = 0; k < name.length; k++) {
          const w = words[i + k]![0];
          if (w === name[k]) exact++;
          else if (name[k]!.length >= 6 && !this.manual.hasWord(w) && withinOneEdit(w, name[k]!)) near++;
          else break;
        }
        if (exact > 0 && near > 0 && exact + near === name.length) {
          const last = words[i + name.length - 1]!;
          out.push({ phrase: name.join(' '), start: words[i]!.index, end: last.index + last[0].length });
        }
      }
    }
    return out;
  }

  private misspeltOurs(text: string): (PhraseHit & { line: ProductLineCode })[] {
    return misspelt(
      text,
      this.fuzzyAliases.map((a) => a.text),
      this.manual,
    ).map((m) => ({ phrase: m.name, start: m.start, end: m.end, line: this.aliasLine.get(m.name)! }));
  }

  /** 压路鸡 for 压路机, 谈铺机 for 摊铺机: the same syllables as a Chinese name of three characters or more. */
  private homophoneOurs(text: string): (PhraseHit & { line: ProductLineCode })[] {
    const out: (PhraseHit & { line: ProductLineCode })[] = [];
    for (const run of text.matchAll(/[\u3400-\u9fff]+/gu)) {
      const chars = [...run[0]];
      const syllables = pinyinSyllables(run[0]);
      for (const alias of this.pinyinAliases) {
        const n = alias.syllables.trim().split(' ').length;
        for (let i = 0; i + n <= chars.length; i++) {
          if (` ${syllables.slice(i, i + n).join(' ')} ` === alias.syllables) {
            out.push({ phrase: alias.syllables.trim(), start: run.index + i, end: run.index + i + n, line: alias.line });
          }
        }
      }
    }
    return out;
  }
}

function misspelt(text: string, names: readonly string[], manual: { hasWord(w: string): boolean }) {
  const out: { name: string; start: number; end: number }[] = [];
  if (names.length === 0) return out;
  for (const m of text.matchAll(/[a-z]{6,}/g)) {
    const word = m[0];
    if (manual.hasWord(word)) continue; // a real word of the manual is not a typo
    const name = names.find((n) => n !== word && withinOneEdit(word, n));
    if (name) out.push({ name, start: m.index, end: m.index + word.length });
  }
  return out;
}

/** True when a and b differ by at most one insertion, deletion, substitution or swap of neighbours. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const restA = a.slice(i);
  const restB = b.slice(i);
  return (
    restA.slice(1) === restB.slice(1) || // substitution
    restA.slice(1) === restB || // deletion from a
    restA === restB.slice(1) || // insertion into a
    (restA[0] === restB[1] && restA[1] === restB[0] && restA.slice(2) === restB.slice(2)) // swap
  );
}
