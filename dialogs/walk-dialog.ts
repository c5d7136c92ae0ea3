import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { bareNumber, type StepAnswer } from '../src/conversation/recognizers/index.js';
import { operatorSteps } from '../src/knowledge/operator-steps.js';
import { AnswerPrompt, type AnswerPromptOptions } from './answer-prompt.js';
import { ask, patience } from './ask.js';
import type { TriageDeps } from './deps.js';
import { t, type Lang } from './messages.js';
import { safetyList, say } from './say.js';
import { rememberStep, session } from './session.js';

export const WALK = 'walk';
const FLOW = 'walk-flow';
const STEP = 'walk-step';

export type WalkResult =
  { kind: 'fixed' } | { kind: 'handoff' } | { kind: 'not-it' } | { kind: 'escalate'; reason: string; stopWork?: boolean };

/** The answers a step offers, in button order (a bare number picks by this order). */
const BUTTONS: { key: 'fixed' | 'next' | 'cannotDo' | 'person' | 'notIt'; answer: StepAnswer | 'person' }[] = [
  { key: 'fixed', answer: { outcome: 'fixed' } },
  { key: 'next', answer: { outcome: 'not-fixed' } },
  { key: 'cannotDo', answer: { outcome: 'could-not-do' } },
  { key: 'person', answer: 'person' },
  { key: 'notIt', answer: { outcome: 'not-it' } },
];

/**
 * One safe step at a time. Typed answers are read with negation handled ("not fixed"
 * is never "fixed"); a reading or fault code typed at a step goes on the ticket; "that's
 * not my problem" works at every step. Only steps marked for operators are ever shown;
 * when they run out, the fault goes to a technician.
 */
export class WalkDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(WALK);
    const p = patience(deps);
    this.addDialog(new AnswerPrompt<StepAnswer | 'person'>(STEP, (_ctx, text, o) => this.read(text, o), p));
    this.addDialog(new WaterfallDialog(FLOW, [this.show.bind(this), this.record.bind(this)]));
    this.initialDialogId = FLOW;
  }

  private labels(lang: Lang, check: boolean): string[] {
    return BUTTONS.map((b) => (b.key === 'next' ? t(lang, check ? 'checkedNext' : 'notFixed') : t(lang, b.key)));
  }

  private async show(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const fault = this.deps.kb.faultsById.get(s.faultId!)!;
    const steps = operatorSteps(fault);
    const index = (step.options as { index: number }).index;
    if (index === 0 && steps.length > 0) {
      const intro = fault.self_service === 'checks-only' ? t(s.lang, 'checksOnlyIntro') : t(s.lang, 'stepsIntro');
      await say(step.context, intro, safetyList(fault, s.lang));
    }
    if (index >= steps.length) {
      await say(step.context, t(s.lang, 'stepsExhausted'));
      return step.endDialog({
        kind: 'escalate',
        reason: steps.length ? 'self-service steps did not fix it' : 'no operator steps',
      } satisfies WalkResult);
    }
    const current = steps[index]!;
    const text = t(s.lang, 'step', { n: index + 1, total: steps.length, text: current[s.lang] });
    // A check finds rather than fixes: its "next" answer says so.
    const labels = this.labels(s.lang, current.kind === 'check');
    return step.prompt(STEP, ask(s.lang, 'step', text, t(s.lang, 'acceptStep'), labels, labels));
  }

  private read(text: string, o: AnswerPromptOptions): StepAnswer | 'person' | undefined {
    const labels = o.data as string[];
    const n = bareNumber(text);
    if (n !== undefined) return n >= 1 && n <= BUTTONS.length ? BUTTONS[n - 1]!.answer : undefined;
    const exact = labels.findIndex((l) => l.toLowerCase() === text.trim().toLowerCase());
    if (exact >= 0) return BUTTONS[exact]!.answer;
    return this.deps.answers.stepAnswer(text);
  }

  private async record(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const fault = this.deps.kb.faultsById.get(s.faultId!)!;
    const index = (step.options as { index: number }).index;
    const current = operatorSteps(fault)[index]!;
    const answer = step.result as StepAnswer | 'person';
    if (answer === 'person') return step.endDialog({ kind: 'handoff' } satisfies WalkResult);
    if (answer.outcome === 'not-it') return step.endDialog({ kind: 'not-it' } satisfies WalkResult);
    const result = answer.outcome === 'fixed' ? 'fixed' : answer.outcome === 'could-not-do' ? 'could-not-do' : 'not-fixed';
    rememberStep(s, {
      faultId: fault.id,
      causeId: current.causeId,
      step: current.en,
      result,
      ...(answer.reading ? { reading: answer.reading } : {}),
    });
    if (answer.reading) await say(step.context, t(s.lang, 'readingNoted', { reading: answer.reading }));
    if (result === 'fixed') return step.endDialog({ kind: 'fixed' } satisfies WalkResult);
    return step.replaceDialog(WALK, { index: index + 1 });
  }
}
