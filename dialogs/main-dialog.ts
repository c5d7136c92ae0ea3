import { EventFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import {
  ChoicePrompt,
  ComponentDialog,
  TextPrompt,
  WaterfallDialog,
  type DialogContext,
  type DialogTurnResult,
  type FoundChoice,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { detectLanguage } from '../src/language/detect.js';
import { findCommand } from './commands.js';
import type { TriageDeps } from './deps.js';
import { EscalationDialog, ESCALATE } from './escalation-dialog.js';
import { MatchDialog, MATCH, type MatchResult } from './match-dialog.js';
import { t } from './messages.js';
import { choiceOptions, message, safetyList, say, stopWorkMessage } from './say.js';
import { newSession, session, type TriageSession } from './session.js';
import { describeMachine, recogniseMachine } from '../src/equipment/recognise.js';
import { WalkDialog, WALK, type WalkResult } from './walk-dialog.js';

export const MAIN = 'main';
const FLOW = 'flow';
const CHOICE = 'choice';
const TEXT = 'text';

/**
 * The conversation: which machine → what happens → match (or clarify, or a person) →
 * safe steps one at a time → resolved, or escalation to a dispatch ticket. "agent" /
 * "人工" and "start over" / "取消" work at every point (handled before any prompt).
 */
export class MainDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(MAIN);
    this.addDialog(new ChoicePrompt(CHOICE));
    this.addDialog(new TextPrompt(TEXT, async (p: PromptValidatorContext<string>) => p.recognized.succeeded));
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

  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const interrupted = await this.interrupt(inner);
    return interrupted ?? super.onContinueDialog(inner);
  }

  private async interrupt(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const text = inner.context.activity.text ?? '';
    const command = findCommand(text);
    if (command === 'handoff') {
      await this.handOff(inner.context, 'user asked for a person');
      return inner.cancelAllDialogs(true);
    }
    if (command === 'restart') {
      const s = await session(this.deps.session, inner.context);
      await this.deps.session.set(inner.context, { ...newSession(s.lang), transcript: s.transcript });
      await say(inner.context, t(s.lang, 'cancelled'));
      return inner.cancelAllDialogs(true);
    }
    return undefined;
  }

  /** Hands the conversation to a person: the handoff event for the channel, and a queue record. */
  async handOff(ctx: TurnContext, reason: string): Promise<void> {
    const s = await session(this.deps.session, ctx);
    await say(ctx, t(s.lang, 'handoff'));
    const transcript = {
      activities: s.transcript.map(
        (l) => ({ type: 'message', text: l.text, timestamp: new Date(l.at), from: { id: l.from, name: l.from, role: l.from } }) as Partial<Activity> as Activity,
      ),
    };
    await ctx.sendActivity(
      EventFactory.createHandoffInitiation(ctx, { reason, productLine: s.productLine, faultId: s.faultId, language: s.lang }, transcript),
    );
    const conversationId = ctx.activity.conversation.id;
    await this.deps.handoffs.open({
      conversationId,
      channel: ctx.activity.channelId,
      language: s.lang,
      productLine: s.productLine,
      faultId: s.faultId,
      reason,
      transcript: s.transcript,
    });
    await this.deps.outcomes.record({ conversationId, productLine: s.productLine, faultId: s.faultId, outcome: 'handed-off', steps: s.stepsTried });
  }

  private async identifyMachine(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const text = String((step.options as { text?: string })?.text ?? '');
    const found = this.deps.engine.detectMachine(text);
    if (found.faultWords.length >= 2) s.description = text;
    if (found.line) s.productLine = found.line;
    // A serial in the first message names the machine outright.
    if (await this.recogniseSerial(step.context, s, text)) s.modelAsked = true;
    if (!s.productLine && found.otherMachine) {
      await say(step.context, t(s.lang, 'notOurMachine', { lines: this.deps.kb.productLines.sentence(s.lang) }));
      return step.endDialog();
    }
    if (s.productLine) return step.next();
    const lines = this.deps.kb.productLines;
    const names = lines.codes.map((code) => lines.label(code, s.lang));
    return step.prompt(CHOICE, choiceOptions(t(s.lang, 'askLine'), [...names, t(s.lang, 'lineOther')], t(s.lang, 'didNotUnderstandChoice')));
  }

  private async askModel(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const choice = step.result as FoundChoice | undefined;
    if (choice) {
      const codes = this.deps.kb.productLines.codes;
      if (choice.index >= codes.length) {
        await say(step.context, t(s.lang, 'notOurMachine', { lines: this.deps.kb.productLines.sentence(s.lang) }));
        return step.endDialog();
      }
      s.productLine = codes[choice.index];
    }
    if (s.modelAsked) return step.next();
    s.modelAsked = true;
    // A text prompt with a Skip button: anything typed is the model or serial.
    return step.prompt(TEXT, { prompt: MessageFactory.suggestedActions([t(s.lang, 'skip')], t(s.lang, 'askModel'), t(s.lang, 'askModel')) });
  }

  private async describe(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const answer = step.result === undefined ? '' : (step.context.activity.text?.trim() ?? '');
    if (answer && answer !== t(s.lang, 'skip') && !/^skip$|^跳过$/i.test(answer) && !(await this.recogniseSerial(step.context, s, answer))) s.model = answer.slice(0, 100);
    if (s.description) return step.next(s.description);
    return step.prompt(TEXT, { prompt: message(t(s.lang, 'askDescription')) });
  }

  private async match(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const rematch = (step.options as { rematch?: boolean } | undefined)?.rematch === true;
    return step.beginDialog(MATCH, { text: String(step.result ?? ''), clarified: false, askFirst: rematch });
  }

  private async afterMatch(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const result = step.result as MatchResult;
    if (result.kind === 'handoff') {
      await this.handOff(step.context, result.reason);
      return step.endDialog();
    }
    const fault = this.deps.kb.faultsById.get(result.faultId)!;
    s.faultId = fault.id;
    s.confidence = result.confidence;
    if (fault.self_service === 'no') {
      await say(step.context, stopWorkMessage(this.deps.kb, fault, s.lang), safetyList(fault, s.lang));
      return step.next({ kind: 'escalate', reason: 'not operator-serviceable' } satisfies WalkResult);
    }
    return step.beginDialog(WALK, { index: 0 });
  }

  private async afterWalk(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const result = step.result as WalkResult;
    const conversationId = step.context.activity.conversation.id;
    if (result.kind === 'fixed') {
      await this.deps.outcomes.record({ conversationId, productLine: s.productLine, faultId: s.faultId, outcome: 'resolved', steps: s.stepsTried });
      await say(step.context, t(s.lang, 'resolved'));
      return step.endDialog();
    }
    if (result.kind === 'handoff') {
      await this.handOff(step.context, 'user asked for a person during the checks');
      return step.endDialog();
    }
    if (result.kind === 'not-it') {
      // Wrong match: leave it out and match again on the operator's fuller description.
      s.excluded = [...(s.excluded ?? []), s.faultId!];
      s.faultId = undefined;
      return step.replaceDialog(FLOW, { text: s.description ?? '', rematch: true });
    }
    return step.beginDialog(ESCALATE, { reason: result.reason });
  }

  private async done(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }

  /** A known serial fills line, model and serial from the installed base, and the bot says what it found. */
  private async recogniseSerial(ctx: TurnContext, s: TriageSession, text: string): Promise<boolean> {
    const machine = this.deps.machines ? await recogniseMachine(text, this.deps.machines) : undefined;
    if (!machine) return false;
    s.productLine = machine.productLine;
    s.model = machine.model;
    s.serial = machine.serial;
    s.customer = machine.customer;
    const line = this.deps.kb.policy.product_lines.find((l) => l.code === machine.productLine)!;
    await say(ctx, describeMachine(machine, line.name, s.lang));
    return true;
  }

}

/** Language of this turn: a message in another script switches; emoji or digits keep the current one. */
export function turnLanguage(text: string, current: 'en' | 'zh'): 'en' | 'zh' {
  const lang = detectLanguage(text);
  return lang === 'unknown' ? current : lang;
}
