import type { TurnContext } from 'botbuilder';
import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { bareNumber } from '../src/conversation/recognizers/index.js';
import { setTriage } from '../src/conversation/triage-state.js';
import { describeMachine, recogniseMachine } from '../src/equipment/recognise.js';
import type { Machine } from '../src/equipment/model.js';
import type { ProductLineCode } from '../src/knowledge/schema.js';
import type { SuggestResponse } from '../src/retrieval/engine.js';
import { AnswerPrompt, type AnswerPromptOptions } from './answer-prompt.js';
import { ask, numbered, patience } from './ask.js';
import type { TriageDeps } from './deps.js';
import { EscalationDialog, ESCALATE, type EscalationResult } from './escalation-dialog.js';
import { handOff } from './handoff.js';
import { MatchDialog, MATCH, type MatchResult } from './match-dialog.js';
import { t, type Lang } from './messages.js';
import { safetyList, say, stopWorkMessage } from './say.js';
import { capDescription, session, type TriageSession } from './session.js';
import { WalkDialog, WALK, type WalkResult } from './walk-dialog.js';

export const MAIN = 'main';
const FLOW = 'flow';
const MACHINE = 'ask-machine';
const MODEL = 'ask-model';
const DESCRIBE = 'ask-description';
const PERSON = 'offer-person';

/** The machine question's answer: one of our lines (with the fault, when the sentence says more), or another machine. */
type MachineAnswer = { line: ProductLineCode; description?: string } | { other: true };

/** The model question's answer: skipped, a model, a machine of the installed base, or the fault itself. */
type ModelAnswer =
  | { kind: 'skip' }
  | { kind: 'model'; model: string }
  | { kind: 'serial'; machine: Machine }
  | { kind: 'description'; text: string }
  /** A change of mind: "actually it's the paver, not the roller" (with the fault, when the sentence says more). */
  | { kind: 'machine'; line: ProductLineCode; description?: string };

/** A model or serial as typed on a nameplate: one to three words, one of them with a digit. */
const MODEL_WORD = /^[a-z0-9][a-z0-9\-_/.]{1,29}$/i;
const MODEL_LABEL = /^(?:(?:the\s+)?(?:model|serial|type)(?:\s+(?:number|no\.?))?|s\/?n|出厂编号|型号|编号)\s*(?:is|:|：|是|为)?\s*/i;

/**
 * The conversation: which machine → model (optional) → what happens → match (or
 * clarify, or a person) → safe steps one at a time → resolved, or escalation to a
 * dispatch ticket. Every question is answered in free text (knowledge/conversation);
 * a stop-work fault gives its safety advice before any further question. Emergencies,
 * "agent" / "人工" and "start over" / "取消" are the turn level's (src/conversation/
 * turn-handler.ts), handled before any dialog runs.
 */
export class MainDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(MAIN);
    const p = patience(deps);
    this.addDialog(new AnswerPrompt<MachineAnswer>(MACHINE, (ctx, text) => this.readMachine(ctx, text, true), p));
    this.addDialog(new AnswerPrompt<ModelAnswer>(MODEL, (ctx, text) => this.readModel(ctx, text), p));
    // Anything but a non-answer is the description (the match says when it has no words to work with).
    this.addDialog(
      new AnswerPrompt<string>(DESCRIBE, (_ctx, text) => (text.trim() && !deps.answers.isSkip(text) ? text.trim() : undefined), p),
    );
    this.addDialog(new AnswerPrompt<boolean>(PERSON, (_ctx, text, o) => p.yesNo(text, o.lang), p));
    this.addDialog(new MatchDialog(deps));
    this.addDialog(new WalkDialog(deps));
    this.addDialog(new EscalationDialog(deps));
    this.addDialog(
      new WaterfallDialog(FLOW, [
        this.identifyMachine.bind(this),
        this.askModel.bind(this),
        this.describe.bind(this),
        this.match.bind(this),
        this.afterMatch.bind(this),
        this.afterWalk.bind(this),
        this.done.bind(this),
      ]),
    );
    this.initialDialogId = FLOW;
  }

  /** Hands the conversation to a person: the handoff event for the channel, and a queue record. */
  handOff(ctx: TurnContext, reason: string): Promise<void> {
    return handOff(this.deps, ctx, reason);
  }

  private async identifyMachine(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const text = String((step.options as { text?: string })?.text ?? '');
    // A rematch after "not my problem" keeps what is known.
    if ((step.options as { rematch?: boolean })?.rematch) return step.next();
    // A serial in the first message names the machine outright.
    if (await this.recogniseSerial(step.context, s, text)) s.modelAsked = true;
    const found = await this.engineRead(text, s.productLine);
    if (found.intent && found.intent.route !== 'conversation') return this.answerIntent(step, s, found);
    // 👍 alone, or a language the bot does not speak: no machine question.
    if (!s.productLine && text.trim() && !/[\p{L}\p{N}]/u.test(text)) {
      setTriage(step.context, { state: 'intent' });
      await say(step.context, t(s.lang, 'noWords'));
      return step.endDialog();
    }
    if (!s.productLine && found.abstain && this.deps.answers.isForeign(text) && !(await this.deps.engine.detectMachine(text)).line) {
      return step.prompt(
        PERSON,
        ask(s.lang, 'offer-person', t(s.lang, 'otherLanguage'), t(s.lang, 'acceptYesNo'), [t(s.lang, 'yesPerson'), t(s.lang, 'no')]),
      );
    }
    const machine = s.productLine ? undefined : await this.readMachine(step.context, text, false, found);
    if (machine && 'other' in machine) return this.notOurMachine(step, s);
    if (machine?.line) s.productLine = machine.line;
    if (await hasFaultWords(this.deps, text, found)) s.description = capDescription(text);
    setTriage(step.context, { productLine: s.productLine });
    if (s.productLine) return step.next();
    const names = this.lineNames(s.lang);
    const list = numbered([...names, t(s.lang, 'lineOther')]);
    return step.prompt(
      MACHINE,
      ask(s.lang, 'ask-machine', t(s.lang, 'askLineList', { list }), t(s.lang, 'acceptLine'), [...names, t(s.lang, 'lineOther')]),
    );
  }

  private async askModel(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    if (typeof step.result === 'boolean') {
      if (step.result) await this.handOff(step.context, 'a language the bot does not speak');
      else await say(step.context, t(s.lang, 'cancelled'));
      return step.endDialog();
    }
    const answer = step.result as MachineAnswer | undefined;
    if (answer && 'other' in answer) return this.notOurMachine(step, s);
    if (answer?.line) {
      s.productLine = answer.line;
      if (answer.description && !s.description) s.description = capDescription(answer.description);
      setTriage(step.context, { productLine: s.productLine });
    }
    if (s.modelAsked) return step.next();
    s.modelAsked = true;
    // A stop-work fault gets its safety advice before any further question.
    if (s.description && (await this.leadsToStopWork(s))) return step.next();
    return step.prompt(MODEL, ask(s.lang, 'ask-model', t(s.lang, 'askModel'), t(s.lang, 'acceptModel'), [t(s.lang, 'skip')]));
  }

  private async describe(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const answer = step.result as ModelAnswer | undefined;
    if (answer?.kind === 'model') s.model = answer.model.slice(0, 100);
    if (answer?.kind === 'serial') await this.useMachine(step.context, s, answer.machine);
    if (answer?.kind === 'description') s.description = capDescription(s.description ? `${s.description}\n${answer.text}` : answer.text);
    if (answer?.kind === 'machine') {
      // Another machine: what was said about the first one is not this one's description.
      s.productLine = answer.line;
      s.description = answer.description ? capDescription(answer.description) : undefined;
      setTriage(step.context, { productLine: s.productLine });
    }
    if (s.description) return step.next(s.description);
    return step.prompt(DESCRIBE, ask(s.lang, 'ask-description', t(s.lang, 'askDescription'), t(s.lang, 'acceptDescription')));
  }

  private async match(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const rematch = (step.options as { rematch?: boolean } | undefined)?.rematch === true;
    return step.beginDialog(MATCH, { text: String(step.result ?? ''), clarified: false, askFirst: rematch });
  }

  private async afterMatch(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const result = step.result as MatchResult | undefined;
    if (!result) return step.endDialog();
    if (result.kind === 'handoff') {
      await this.handOff(step.context, result.reason);
      return step.endDialog();
    }
    const fault = this.deps.kb.faultsById.get(result.faultId)!;
    s.faultId = fault.id;
    s.confidence = result.confidence;
    s.productLine ??= fault.product_line;
    setTriage(step.context, { faultId: fault.id, productLine: s.productLine });
    if (fault.self_service === 'no') {
      // Stop, make safe: the line's stop-work steps and the entry's notes, before any question.
      setTriage(step.context, { state: 'safety-stop' });
      await say(step.context, stopWorkMessage(this.deps.kb, fault, s.lang), safetyList(fault, s.lang));
      return step.next({ kind: 'escalate', reason: 'not operator-serviceable', stopWork: true } satisfies WalkResult);
    }
    return step.beginDialog(WALK, { index: 0 });
  }

  private async afterWalk(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const result = step.result as WalkResult;
    const conversationId = step.context.activity.conversation.id;
    if (result.kind === 'fixed') {
      await this.deps.outcomes.record({
        conversationId,
        productLine: s.productLine,
        faultId: s.faultId,
        outcome: 'resolved',
        steps: s.stepsTried,
      });
      setTriage(step.context, { state: 'resolved' });
      await say(step.context, t(s.lang, 'resolved'));
      return step.endDialog();
    }
    if (result.kind === 'handoff') {
      await this.handOff(step.context, 'user asked for a person during the checks');
      return step.endDialog();
    }
    if (result.kind === 'not-it') return this.rematch(step, s);
    return step.beginDialog(ESCALATE, { reason: result.reason, stopWork: result.stopWork === true });
  }

  private async done(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as EscalationResult | undefined;
    if (result?.kind === 'not-it') return this.rematch(step, await session(this.deps.session, step.context));
    return step.endDialog(result);
  }

  /** Wrong match: leave it out and match again on the operator's fuller description. */
  private async rematch(step: WaterfallStepContext, s: TriageSession): Promise<DialogTurnResult> {
    s.excluded = [...(s.excluded ?? []), s.faultId!];
    s.faultId = undefined;
    setTriage(step.context, { faultId: undefined });
    return step.replaceDialog(FLOW, { text: s.description ?? '', rematch: true });
  }

  private async notOurMachine(step: WaterfallStepContext, s: TriageSession): Promise<DialogTurnResult> {
    setTriage(step.context, { state: 'not-our-machine' });
    await say(step.context, t(s.lang, 'notOurMachine', { lines: this.deps.kb.productLines.sentence(s.lang) }));
    return step.endDialog();
  }

  /** A request that is not a fault (a part, a quote, an invoice …): where it goes, and a person on request. */
  private async answerIntent(step: WaterfallStepContext, s: TriageSession, found: SuggestResponse): Promise<DialogTurnResult> {
    setTriage(step.context, { state: 'intent' });
    const route = found.intent!.route;
    const key =
      route === 'parts-desk'
        ? 'intentParts'
        : route === 'office'
          ? 'intentOffice'
          : route === 'own-ticket'
            ? 'intentTicket'
            : 'intentPerson';
    await say(step.context, t(s.lang, key));
    return step.endDialog();
  }

  private async engineRead(text: string, productLine?: ProductLineCode): Promise<SuggestResponse> {
    if (!/[\p{L}\p{N}]/u.test(text)) return { abstain: true, reason: 'no-match', confidence: 0, language: 'en', results: [] };
    return this.deps.engine.suggest(text, { productLine, limit: 3 });
  }

  /** Does the first match of the description lead to a stop-work fault (safe mistake included)? */
  private async leadsToStopWork(s: TriageSession): Promise<boolean> {
    const found = await this.engineRead(s.description!, s.productLine);
    const excluded = new Set(s.excluded ?? []);
    const top = found.results.find((r) => !excluded.has(r.id));
    return !found.abstain && top?.selfService === 'no';
  }

  /**
   * The machine from free text: a number of the list, a name or slang for one of our
   * lines (typos too), another machine, a few words of a line's name, or a fault
   * sentence whose words belong to one line ("the auger stopped turning" is a paver).
   * Digits inside a sentence never pick from the list.
   */
  private async readMachine(ctx: TurnContext, text: string, menu: boolean, known?: SuggestResponse): Promise<MachineAnswer | undefined> {
    const s = await session(this.deps.session, ctx);
    const codes = this.deps.kb.productLines.codes;
    if (menu) {
      const n = bareNumber(text);
      if (n !== undefined) {
        if (n >= 1 && n <= codes.length) return { line: codes[n - 1]! };
        return n === codes.length + 1 ? { other: true } : undefined;
      }
    }
    const named = await this.deps.engine.detectMachine(text);
    const description = named.faultWords.length >= 2 && !this.deps.answers.isVague(text) ? text : undefined;
    if (named.line) return { line: named.line, description };
    if (named.otherMachine) return { other: true };
    if (menu) {
      const picked = this.deps.answers.choice(text, [...this.lineNames(s.lang), t(s.lang, 'lineOther')]);
      if (picked === 'none' || picked === codes.length) return { other: true };
      if (typeof picked === 'number') return { line: codes[picked]! };
    }
    if (this.deps.answers.isVague(text)) return undefined;
    const found = known ?? (await this.engineRead(text));
    if (found.reason === 'other-machine') return { other: true };
    const top = found.results[0];
    if (!found.abstain && !found.plausibleLines && top) return { line: top.productLine, description: text };
    return undefined;
  }

  /** The model question: a non-answer is skipped; a fault sentence is the description, never the model. */
  private async readModel(ctx: TurnContext, typed: string): Promise<ModelAnswer | undefined> {
    const s = await session(this.deps.session, ctx);
    // "model is QTZ125 i think", "好像是 SY5419THB": the hedge is not part of the answer.
    const text = this.deps.answers.withoutHedges(typed) || typed;
    if (this.deps.answers.isSkip(text)) return { kind: 'skip' };
    // "actually it's the paver, not the roller", "哦不对，是摊铺机": the machine changes.
    const named = await this.deps.engine.detectMachine(text);
    if (named.line && named.line !== s.productLine) {
      // With the fault too ("no, the paver: the auger stopped") when the manual matches the words on that
      // line; a correction ("哦不对，是摊铺机", "that's wrong, it's the paver") names only the machine.
      const correction = this.deps.answers.stepAnswer(text)?.outcome === 'not-it';
      const found = correction ? undefined : await this.engineRead(text, named.line);
      const described = found !== undefined && !found.abstain && !this.deps.answers.isVague(text);
      return { kind: 'machine', line: named.line, description: described ? text : undefined };
    }
    const machine = this.deps.machines ? await recogniseMachine(text, this.deps.machines) : undefined;
    if (machine) return { kind: 'serial', machine };
    // "model SY5419THB", "型号是QTZ80": the label is not part of the model.
    const bare = text.trim().replace(MODEL_LABEL, '').trim();
    const words = bare.split(/\s+/);
    if (words.length <= 3 && words.some((w) => /\d/.test(w)) && words.every((w) => MODEL_WORD.test(w)))
      return { kind: 'model', model: bare };
    const found = await this.engineRead(text, s.productLine);
    if (await hasFaultWords(this.deps, text, found)) return { kind: 'description', text: text.trim() };
    // "model SY5419THB", "型号是QTZ80": the one nameplate word in a short answer.
    const codes = text.match(/[A-Za-z]*\d[A-Za-z0-9-]*/g)?.filter((w) => w.length >= 3 && /[A-Za-z]/.test(w)) ?? [];
    if (codes.length === 1 && text.length <= 40) return { kind: 'model', model: codes[0]! };
    return undefined;
  }

  /** A known serial fills line, model and serial from the installed base, and the bot says what it found. */
  private async recogniseSerial(ctx: TurnContext, s: TriageSession, text: string): Promise<boolean> {
    const machine = this.deps.machines ? await recogniseMachine(text, this.deps.machines) : undefined;
    if (!machine) return false;
    await this.useMachine(ctx, s, machine);
    return true;
  }

  private async useMachine(ctx: TurnContext, s: TriageSession, machine: Machine): Promise<void> {
    s.productLine = machine.productLine;
    s.model = machine.model;
    s.serial = machine.serial;
    s.customer = machine.customer;
    setTriage(ctx, { productLine: s.productLine });
    const line = this.deps.kb.productLines.line(machine.productLine);
    await say(ctx, describeMachine(machine, line.name, s.lang));
  }

  /** The manual's lines as menu labels (kb.productLines), in its order. */
  private lineNames(lang: Lang): string[] {
    const lines = this.deps.kb.productLines;
    return lines.codes.map((code) => lines.label(code, lang));
  }
}

/** The text says something about the fault (not only the machine's name): it is kept as the description. */
async function hasFaultWords(deps: TriageDeps, text: string, found: SuggestResponse): Promise<boolean> {
  if (deps.answers.isSkip(text) || deps.answers.isVague(text)) return false;
  return (await deps.engine.detectMachine(text)).faultWords.length >= 2 || (!found.abstain && found.results.length > 0);
}

export type { AnswerPromptOptions };
