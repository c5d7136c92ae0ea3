import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { bareNumber } from '../src/conversation/recognizers/index.js';
import { setTriage } from '../src/conversation/triage-state.js';
import { detectLanguage } from '../src/language/detect.js';
import type { Suggestion } from '../src/retrieval/engine.js';
import { AnswerPrompt, type AnswerPromptOptions } from './answer-prompt.js';
import { ask, askList, patience } from './ask.js';
import type { TriageDeps } from './deps.js';
import { t } from './messages.js';
import { say } from './say.js';
import { capDescription, describe, MAX_GAPS, session, type TriageSession } from './session.js';

export const MATCH = 'match';
const FLOW = 'match-flow';
const PICK = 'match-pick';
const TEXT = 'match-text';
const UNSURE = 'match-unsure';

/** Candidates within this share of the top score may be offered, when they explain other words of the message. */
const CLOSE = 0.25;
/** Candidates this close to the top are a tie: the operator chooses, whatever the words. */
const TIE = 0.97;
const MAX_CHOICES = 4;
const MAX_WORDS = 5000;

export type MatchResult = { kind: 'fault'; faultId: string; confidence: number } | { kind: 'handoff'; reason: string };

interface MatchOptions {
  text: string;
  /** A clarifying question was already asked for this description. */
  clarified: boolean;
  /** The previous match was wrong: ask for more before matching again. */
  askFirst?: boolean;
  /** The question to ask instead of matching: a person, a new description, or more after "none of these". */
  then?: 'unsure' | 'describe' | 'clarify-none';
}

type Mode = 'clarify' | 'pick' | 'unsure' | 'describe-again';

/** What a step leaves for the next one (waterfall values). */
interface MatchValues {
  mode?: Mode;
  text?: string;
  candidates?: Suggestion[];
  /** The question follows a rejected match ("not my problem", "none of these"). */
  rejected?: boolean;
}

type Picked = { index: number } | { none: true };

/**
 * From the operator's words to one fault entry: a confident match is stated, close
 * candidates become a numbered choice (picked by number, ordinal or words, never by a
 * digit inside a sentence), and when the engine abstains the bot asks one clarifying
 * question, then offers a person (recording the words as a knowledge gap). A rejected
 * candidate is never offered again in this triage; a stop-work candidate that is close
 * leads, so its safety advice comes first.
 */
export class MatchDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(MATCH);
    const p = patience(deps);
    this.addDialog(new AnswerPrompt<Picked>(PICK, (_ctx, text, o) => this.readPick(text, o), p));
    this.addDialog(new AnswerPrompt<string>(TEXT, (_ctx, text) => (/[\p{L}\p{N}]/u.test(text) ? text.trim() : undefined), p));
    this.addDialog(
      new AnswerPrompt<boolean>(UNSURE, (_ctx, text, o) => (sameText(text, t(o.lang, 'tryAgain')) ? false : p.yesNo(text, o.lang)), p),
    );
    this.addDialog(new WaterfallDialog(FLOW, [this.analyse.bind(this), this.reply.bind(this)]));
    this.initialDialogId = FLOW;
  }

  private async analyse(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const v = step.values as MatchValues;
    const s = await session(this.deps.session, step.context);
    const { clarified, askFirst, then } = step.options as MatchOptions;
    // A clarification is matched with what came before it; that text is bounded like the description.
    const text = capDescription((step.options as MatchOptions).text);
    v.text = text;
    if (then === 'unsure') return this.unsure(step);
    if (then === 'describe') {
      v.mode = 'describe-again';
      return step.prompt(TEXT, ask(s.lang, 'ask-description', t(s.lang, 'askDescription'), t(s.lang, 'acceptDescription')));
    }
    if (then === 'clarify-none' || askFirst) {
      v.mode = 'clarify';
      v.rejected = true;
      const question = askFirst ? t(s.lang, 'notItAsk') : t(s.lang, 'noneOfTheseClarify');
      return step.prompt(TEXT, ask(s.lang, 'clarify', question, t(s.lang, 'acceptDescription')));
    }
    if (text.length > MAX_WORDS) await say(step.context, t(s.lang, 'longMessage'));
    if (!/[\p{L}\p{N}]/u.test(text)) {
      v.mode = 'describe-again';
      return step.prompt(TEXT, ask(s.lang, 'ask-description', t(s.lang, 'emptyMessage'), t(s.lang, 'acceptDescription')));
    }
    // Keep everything the operator said about the fault, once.
    describe(s, text);
    const found = await this.deps.engine.suggest(text, { productLine: s.productLine, limit: 8 });
    const excluded = new Set(s.excluded ?? []);
    const results = found.results.filter((r) => !excluded.has(r.id));
    const abstain = found.abstain || results.length === 0 || (results[0]!.id !== found.results[0]!.id && results[0]!.score < 0.5);
    if (abstain) {
      if (clarified) return this.unsure(step);
      v.mode = 'clarify';
      return step.prompt(TEXT, ask(s.lang, 'clarify', t(s.lang, 'clarify'), t(s.lang, 'acceptDescription')));
    }
    const top = results[0]!;
    // The safe mistake: a stop-work candidate at the top is stated, so its safety advice comes before any question.
    if (top.selfService === 'no') return this.matched(step, top);
    // A choice only when another candidate explains words of the message that the top one does not
    // ("either the slat conveyor or the augers"); otherwise the close ones are the same complaint.
    // The message without machine names, against what each entry's title and matching phrasing say.
    const words = (await this.deps.engine.detectMachine(text)).faultWords.join(' ');
    const said = (c: Suggestion) => `${c.title.en} ${c.title.zh} ${c.matchedPhrasing}`;
    const topSays = said(top);
    const others = results
      .slice(1)
      .filter(
        (c) =>
          c.score >= top.score * TIE ||
          (c.score >= top.score * CLOSE && this.deps.answers.distinctEvidence(words, said(c), topSays).length > 0),
      )
      .slice(0, MAX_CHOICES - 1);
    if (others.length === 0) return this.matched(step, top);
    const close = [top, ...others];
    v.mode = 'pick';
    v.candidates = close;
    const titles = close.map((c) => c.title[s.lang]);
    // The leading candidate is where the conversation stands until the operator picks.
    s.faultId = top.id;
    setTriage(step.context, { faultId: top.id });
    return step.prompt(
      PICK,
      askList(s.lang, 'choose-candidate', t(s.lang, 'pickList'), [...titles, t(s.lang, 'noneOfThese')], t(s.lang, 'acceptChoice'), titles),
    );
  }

  private async reply(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const v = step.values as MatchValues;
    const s = await session(this.deps.session, step.context);
    const text = v.text ?? '';
    if (v.mode === 'describe-again')
      return step.replaceDialog(MATCH, { text: String(step.result ?? ''), clarified: false } satisfies MatchOptions);
    if (v.mode === 'clarify') {
      const answer = String(step.result ?? '');
      // "none of those either": nothing new to match, so a person.
      if (this.rejectsAll(answer)) return step.replaceDialog(MATCH, { text, clarified: true, then: 'unsure' } satisfies MatchOptions);
      // After a rejected match the earlier words led astray: the new words alone, when they match.
      if (v.rejected && (await this.matchesAlone(answer, s.productLine, s.excluded))) {
        return step.replaceDialog(MATCH, { text: answer, clarified: true } satisfies MatchOptions);
      }
      return step.replaceDialog(MATCH, { text: `${text} ${answer}`.trim(), clarified: true } satisfies MatchOptions);
    }
    if (v.mode === 'pick') {
      const picked = step.result as Picked;
      const candidates = v.candidates ?? [];
      if ('index' in picked) return this.matched(step, candidates[picked.index]!);
      // "None of these": never offered again; one clarifying question, then a person.
      s.excluded = [...new Set([...(s.excluded ?? []), ...candidates.map((c) => c.id)])];
      s.faultId = undefined;
      setTriage(step.context, { faultId: undefined });
      return step.replaceDialog(MATCH, { text, clarified: false, then: 'clarify-none' } satisfies MatchOptions);
    }
    // mode === 'unsure'
    if (step.result === true) return step.endDialog({ kind: 'handoff', reason: 'no confident match in the manual' } satisfies MatchResult);
    return step.replaceDialog(MATCH, { text: '', clarified: false, then: 'describe' } satisfies MatchOptions);
  }

  private async matched(step: WaterfallStepContext, fault: Suggestion): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    setTriage(step.context, { faultId: fault.id, productLine: fault.productLine });
    await say(step.context, t(s.lang, 'match', { title: fault.title[s.lang] }));
    return step.endDialog({ kind: 'fault', faultId: fault.id, confidence: fault.score } satisfies MatchResult);
  }

  /** No match after a clarifying question: the words become a knowledge-gap item, and a person is offered. */
  private async unsure(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const v = step.values as MatchValues;
    const s = await session(this.deps.session, step.context);
    const text = s.description ?? v.text ?? '';
    if ((s.gapsRecorded ?? 0) < MAX_GAPS) {
      s.gapsRecorded = (s.gapsRecorded ?? 0) + 1;
      await this.deps.gaps.record({
        source: 'abstained',
        text,
        language: detectLanguage(text),
        productLine: s.productLine ?? null,
        matchedFaultId: null,
        actualFaultId: null,
        ticketId: null,
      });
    }
    v.mode = 'unsure';
    return step.prompt(
      UNSURE,
      ask(s.lang, 'offer-person', t(s.lang, 'stillUnsure'), t(s.lang, 'acceptYesNo'), [t(s.lang, 'offerPerson'), t(s.lang, 'tryAgain')]),
    );
  }

  private async matchesAlone(text: string, productLine: TriageSession['productLine'], excluded: string[] = []): Promise<boolean> {
    if (!/[\p{L}\p{N}]/u.test(text)) return false;
    const found = await this.deps.engine.suggest(text, { productLine, limit: 3 });
    const top = found.results[0];
    return !found.abstain && top !== undefined && !excluded.includes(top.id);
  }

  private rejectsAll(answer: string): boolean {
    return this.deps.answers.choice(answer, []) === 'none' || this.deps.answers.stepAnswer(answer)?.outcome === 'not-it';
  }

  private readPick(text: string, o: AnswerPromptOptions): Picked | undefined {
    const titles = o.data as string[];
    const n = bareNumber(text);
    if (n !== undefined) {
      if (n >= 1 && n <= titles.length) return { index: n - 1 };
      return n === titles.length + 1 ? { none: true } : undefined;
    }
    const exact = titles.findIndex((x) => sameText(x, text));
    if (exact >= 0) return { index: exact };
    const picked = this.deps.answers.choice(text, titles);
    if (picked === 'none' || this.deps.answers.stepAnswer(text)?.outcome === 'not-it') return { none: true };
    return picked === undefined ? undefined : { index: picked };
  }
}

const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
