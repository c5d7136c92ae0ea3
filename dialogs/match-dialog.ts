import { ComponentDialog, ChoicePrompt, TextPrompt, WaterfallDialog, type DialogTurnResult, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { detectLanguage } from '../src/language/detect.js';
import type { Suggestion } from '../src/retrieval/engine.js';
import type { TriageDeps } from './deps.js';
import { t } from './messages.js';
import { choiceOptions, message, say } from './say.js';
import { session } from './session.js';

export const MATCH = 'match';
const FLOW = 'match-flow';
const CHOICE = 'match-choice';
const TEXT = 'match-text';

/** Candidates within this share of the top score are "close": the user picks among them. */
const CLOSE = 0.85;
const MAX_CHOICES = 3;
const MAX_WORDS = 5000;

export type MatchResult = { kind: 'fault'; faultId: string; confidence: number } | { kind: 'handoff'; reason: string };

interface MatchOptions {
  text: string;
  /** A clarifying question was already asked for this description. */
  clarified: boolean;
  /** The previous match was wrong: ask for more before matching again. */
  askFirst?: boolean;
}

type Mode = 'clarify' | 'pick' | 'unsure' | 'describe-again';

/** What a step leaves for the next one (waterfall values). */
interface MatchValues {
  mode?: Mode;
  text?: string;
  candidates?: Suggestion[];
}

/**
 * From the operator's words to one fault entry: a confident match is stated, close
 * candidates become a short choice, and when the engine abstains the bot asks one
 * clarifying question, then offers a person (recording the words as a knowledge gap).
 */
export class MatchDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(MATCH);
    this.addDialog(new ChoicePrompt(CHOICE));
    this.addDialog(new TextPrompt(TEXT));
    this.addDialog(new WaterfallDialog(FLOW, [this.analyse.bind(this), this.reply.bind(this), this.again.bind(this)]));
    this.initialDialogId = FLOW;
  }

  private async analyse(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const v = step.values as MatchValues;
    const s = await session(this.deps.session, step.context);
    const { text, clarified, askFirst } = step.options as MatchOptions;
    if (askFirst) {
      v.mode = 'clarify' as Mode;
      v.text = text;
      return step.prompt(TEXT, { prompt: message(t(s.lang, 'notItAsk')) });
    }
    if (text.length > MAX_WORDS) await say(step.context, t(s.lang, 'longMessage'));
    if (!/[\p{L}\p{N}]/u.test(text)) {
      v.mode = 'describe-again' as Mode;
      return step.prompt(TEXT, { prompt: message(t(s.lang, 'emptyMessage')) });
    }
    // Keep everything the operator said about the fault, once.
    if (!s.description || text.includes(s.description)) s.description = text;
    else if (!s.description.includes(text)) s.description = `${s.description}\n${text}`;
    const found = await this.deps.engine.suggest(text, { productLine: s.productLine, limit: 8 });
    const excluded = new Set(s.excluded ?? []);
    const results = found.results.filter((r) => !excluded.has(r.id));
    const res = { ...found, results, abstain: found.abstain || results.length === 0 || results[0]!.id !== found.results[0]!.id && results[0]!.score < 0.5 };
    if (res.abstain || res.results.length === 0) {
      if (!clarified) {
        v.mode = 'clarify' as Mode;
        v.text = text;
        return step.prompt(TEXT, { prompt: message(t(s.lang, 'clarify')) });
      }
      await this.deps.gaps.record({
        source: 'abstained',
        text: s.description,
        language: detectLanguage(s.description),
        productLine: s.productLine ?? null,
        matchedFaultId: res.results[0]?.id ?? null,
        actualFaultId: null,
        ticketId: null,
      });
      v.mode = 'unsure' as Mode;
      return step.prompt(CHOICE, choiceOptions(t(s.lang, 'stillUnsure'), [t(s.lang, 'offerPerson'), t(s.lang, 'tryAgain')], t(s.lang, 'didNotUnderstandChoice')));
    }
    const top = res.results[0]!;
    const close = res.results.filter((r) => r.score >= top.score * CLOSE).slice(0, MAX_CHOICES);
    if (close.length === 1) {
      await say(step.context, t(s.lang, 'match', { title: top.title[s.lang] }));
      return step.endDialog({ kind: 'fault', faultId: top.id, confidence: top.score } satisfies MatchResult);
    }
    v.mode = 'pick' as Mode;
    v.candidates = close;
    v.text = text;
    const titles = close.map((c) => c.title[s.lang]);
    return step.prompt(CHOICE, choiceOptions(t(s.lang, 'pickOne'), [...titles, t(s.lang, 'noneOfThese')], t(s.lang, 'didNotUnderstandChoice')));
  }

  private async reply(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const v = step.values as MatchValues;
    const s = await session(this.deps.session, step.context);
    const mode = v.mode;
    if (mode === 'describe-again') return step.replaceDialog(MATCH, { text: String(step.result ?? ''), clarified: false } satisfies MatchOptions);
    if (mode === 'clarify') {
      return step.replaceDialog(MATCH, { text: `${v.text ?? ''} ${String(step.result ?? '')}`, clarified: true } satisfies MatchOptions);
    }
    const choice = step.result as FoundChoice;
    if (mode === 'pick') {
      const candidates = v.candidates ?? [];
      const picked = candidates[choice.index];
      if (picked) return step.endDialog({ kind: 'fault', faultId: picked.id, confidence: picked.score } satisfies MatchResult);
      // "None of these": one clarifying question, then a person.
      v.mode = 'clarify' as Mode;
      return step.prompt(TEXT, { prompt: message(t(s.lang, 'clarify')) });
    }
    // mode === 'unsure'
    if (choice.index === 0) return step.endDialog({ kind: 'handoff', reason: 'no confident match in the manual' } satisfies MatchResult);
    return step.prompt(TEXT, { prompt: message(t(s.lang, 'askDescription')) });
  }

  private async again(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const v = step.values as MatchValues;
    const clarified = v.mode === 'clarify';
    const text = clarified ? `${v.text ?? ''} ${String(step.result ?? '')}` : String(step.result ?? '');
    return step.replaceDialog(MATCH, { text, clarified } satisfies MatchOptions);
  }
}
