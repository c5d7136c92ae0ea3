import { ComponentDialog, ChoicePrompt, WaterfallDialog, type DialogTurnResult, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { TriageDeps } from './deps.js';
import { t } from './messages.js';
import { operatorSteps } from '../src/knowledge/operator-steps.js';
import { choiceOptions, safetyList, say } from './say.js';
import { rememberStep, session } from './session.js';

export const WALK = 'walk';
const FLOW = 'walk-flow';
const CHOICE = 'walk-choice';

export type WalkResult = { kind: 'fixed' } | { kind: 'handoff' } | { kind: 'not-it' } | { kind: 'escalate'; reason: string };

/**
 * One safe step at a time: fixed / not fixed, next / I can't do this / talk to a
 * person. Only steps marked for operators are ever shown; when they run out, the
 * fault goes to a technician.
 */
export class WalkDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(WALK);
    this.addDialog(new ChoicePrompt(CHOICE));
    this.addDialog(new WaterfallDialog(FLOW, [this.show.bind(this), this.record.bind(this)]));
    this.initialDialogId = FLOW;
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
      return step.endDialog({ kind: 'escalate', reason: steps.length ? 'self-service steps did not fix it' : 'no operator steps' } satisfies WalkResult);
    }
    const current = steps[index]!;
    const text = t(s.lang, 'step', { n: index + 1, total: steps.length, text: current[s.lang] });
    // A check finds rather than fixes: its "next" answer says so.
    const next = current.kind === 'check' ? t(s.lang, 'checkedNext') : t(s.lang, 'notFixed');
    const answers = [t(s.lang, 'fixed'), next, t(s.lang, 'cannotDo'), t(s.lang, 'person')];
    // At the first step the operator can still say the match is wrong.
    if (index === 0) answers.push(t(s.lang, 'notIt'));
    return step.prompt(CHOICE, choiceOptions(text, answers, t(s.lang, 'didNotUnderstandChoice')));
  }

  private async record(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const fault = this.deps.kb.faultsById.get(s.faultId!)!;
    const index = (step.options as { index: number }).index;
    const current = operatorSteps(fault)[index]!;
    const choice = (step.result as FoundChoice).index;
    if (choice === 4) return step.endDialog({ kind: 'not-it' } satisfies WalkResult);
    const result = (['fixed', 'not-fixed', 'could-not-do', 'skipped'] as const)[choice]!;
    rememberStep(s, { faultId: fault.id, causeId: current.causeId, step: current.en, result });
    if (choice === 0) return step.endDialog({ kind: 'fixed' } satisfies WalkResult);
    if (choice === 3) return step.endDialog({ kind: 'handoff' } satisfies WalkResult);
    return step.replaceDialog(WALK, { index: index + 1 });
  }
}
