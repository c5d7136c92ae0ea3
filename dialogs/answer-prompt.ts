import { ActivityTypes, MessageFactory, type TurnContext } from 'botbuilder';
import {
  ConfirmPrompt,
  Dialog,
  DialogTurnStatus,
  Prompt,
  type DialogContext,
  type DialogTurnResult,
  type PromptOptions,
  type PromptRecognizerResult,
} from 'botbuilder-dialogs';
import type { AnswerRecognizers } from '../src/conversation/recognizers/index.js';
import { bareNumber } from '../src/conversation/recognizers/index.js';
import { setTriage, type TriageStateName } from '../src/conversation/triage-state.js';
import { t, type Lang } from './messages.js';

/** A question of the conversation: where it leaves the conversation, and what it accepts. */
export interface AnswerPromptOptions extends PromptOptions {
  triage: TriageStateName;
  /** Said, with an offer of a person, after two answers the prompt did not understand. */
  accepted: string;
  lang: Lang;
  /** Anything the recognizer needs (the candidates shown, the step's text …). */
  data?: unknown;
}

export type Recognizer<T> = (ctx: TurnContext, text: string, options: AnswerPromptOptions) => Promise<T | undefined> | T | undefined;

/**
 * Something said beside the question, answered by the aside itself (a price, the
 * ticket, a question back, a phone number before it is asked for): true when it was,
 * and the question is then asked again without counting a miss. `before` runs ahead of
 * the question's recognizer, `after` only when the recognizer did not understand.
 */
export type Aside = (ctx: TurnContext, text: string, options: AnswerPromptOptions, phase: 'before' | 'after') => Promise<boolean>;

/** What a prompt needs to offer a person after two misunderstandings. */
export interface Patience {
  yesNo(text: string, lang: Lang): Promise<boolean | undefined>;
  /** Nothing but yes/no words: the answer to "shall I get a person?", not to the question before it. */
  onlyYesNo(text: string): boolean;
  handOff(ctx: TurnContext, reason: string): Promise<void>;
  /** Asides every question hears (requests that are not answers, questions back). */
  aside?: Aside;
}

interface PatienceState {
  misses?: number;
  offered?: boolean;
}

/**
 * A prompt whose answer is free text read by a recognizer (knowledge/conversation
 * vocabularies). It says where the conversation stands (channelData.triage) before it
 * asks; an answer it does not understand gets the question again; after two, it says
 * what it accepts and offers a person — "yes" hands off, "no" asks again, anything
 * else is tried as the answer.
 */
export class AnswerPrompt<T> extends Prompt<T> {
  constructor(
    dialogId: string,
    private readonly recognizer: Recognizer<T>,
    private readonly patience: Patience,
    /** This question's own aside, heard before the common ones. */
    private readonly ownAside?: Aside,
  ) {
    super(dialogId);
  }

  protected async onPrompt(ctx: TurnContext, state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const o = options as AnswerPromptOptions;
    const st = state as PatienceState;
    if (st.offered) return this.offer(ctx, o);
    setTriage(ctx, { state: o.triage });
    const activity = isRetry && o.retryPrompt ? o.retryPrompt : o.prompt;
    if (activity) await ctx.sendActivity(activity);
  }

  protected async onRecognize(ctx: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<T>> {
    const value = await this.recognizer(ctx, ctx.activity.text ?? '', options as AnswerPromptOptions);
    return value === undefined ? { succeeded: false } : { succeeded: true, value };
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    if (dc.context.activity.type !== ActivityTypes.Message) return Dialog.EndOfTurn;
    const instance = dc.activeDialog!.state as { state: PatienceState; options: AnswerPromptOptions };
    const st = instance.state;
    const options = instance.options;
    const text = dc.context.activity.text ?? '';
    if (st.offered) {
      st.offered = false;
      st.misses = 0;
      // "ok, checked" answers the question asked before the offer; "yes please" the offer.
      if (!this.patience.onlyYesNo(text)) {
        const answered = await this.onRecognize(dc.context, st, options);
        if (answered.succeeded) return dc.endDialog(answered.value);
      }
      const yes = await this.patience.yesNo(text, options.lang);
      if (yes === true) {
        await this.patience.handOff(dc.context, `not understood twice (${options.triage})`);
        return cancelEverything(dc);
      }
      if (yes === false) {
        await this.onPrompt(dc.context, st, options, false);
        return Dialog.EndOfTurn;
      }
    }
    if (await this.aside(dc.context, text, options, 'before')) return this.askAgain(dc, st, options);
    const recognized = await this.onRecognize(dc.context, st, options);
    if (recognized.succeeded) return dc.endDialog(recognized.value);
    if (await this.aside(dc.context, text, options, 'after')) return this.askAgain(dc, st, options);
    st.misses = (st.misses ?? 0) + 1;
    if (st.misses >= 2) st.offered = true;
    if (!dc.context.responded) await this.onPrompt(dc.context, st, options, true);
    return Dialog.EndOfTurn;
  }

  private async aside(ctx: TurnContext, text: string, options: AnswerPromptOptions, phase: 'before' | 'after'): Promise<boolean> {
    if (this.ownAside && (await this.ownAside(ctx, text, options, phase))) return true;
    return (await this.patience.aside?.(ctx, text, options, phase)) === true;
  }

  /** An aside was answered: the question again, as first asked (no "sorry, I did not understand"). */
  private async askAgain(dc: DialogContext, st: PatienceState, options: AnswerPromptOptions): Promise<DialogTurnResult> {
    await this.onPrompt(dc.context, st, options, false);
    return Dialog.EndOfTurn;
  }

  private async offer(ctx: TurnContext, o: AnswerPromptOptions): Promise<void> {
    setTriage(ctx, { state: 'offer-person' });
    const text = t(o.lang, 'notUnderstoodTwice', { accepted: o.accepted });
    await ctx.sendActivity(MessageFactory.suggestedActions([t(o.lang, 'yesPerson'), t(o.lang, 'noTryAgain')], text, text));
  }
}

/** Ends every dialog of the conversation (a person takes over), from however deep. */
async function cancelEverything(dc: DialogContext): Promise<DialogTurnResult> {
  let root = dc;
  while (root.parent) root = root.parent;
  await root.cancelAllDialogs(true);
  return { status: DialogTurnStatus.cancelled };
}

/**
 * Yes or no: botbuilder's ConfirmPrompt culture models (en-us, zh-cn) for the common
 * words, plus the vocabulary's synonyms and negative phrases ("no wait", "不用了").
 * Disagreement, or an unsure word, is no answer. Numbers never count here: a bare "1"
 * or "2" is the prompt's numbered option.
 */
export class YesNo {
  private readonly culture = new CultureModel();

  constructor(private readonly answers: AnswerRecognizers) {}

  async read(text: string, lang: Lang, question: 'confirm' | 'down' = 'confirm'): Promise<boolean | undefined> {
    const plain = await this.readPlain(text, lang, question);
    // "Is the machine down?" — "应该是吧", "probably yes": a hedged answer counts there (the summary still needs a plain one).
    if (plain !== undefined || question !== 'down') return plain;
    const bare = this.answers.withoutHedges(text);
    return bare && bare !== text.trim() ? this.readPlain(bare, lang, question) : undefined;
  }

  private async readPlain(text: string, lang: Lang, question: 'confirm' | 'down'): Promise<boolean | undefined> {
    if (this.answers.unsure(text)) return undefined;
    const local = this.answers.yesNo(text, question);
    const model =
      (await this.culture.read(text, lang === 'zh' ? 'zh-cn' : 'en-us')) ??
      (await this.culture.read(text, lang === 'zh' ? 'en-us' : 'zh-cn'));
    if (local !== undefined && model !== undefined && local !== model) return undefined;
    if (local !== undefined || model !== undefined) return local ?? model;
    const n = bareNumber(text);
    return n === 1 ? true : n === 2 ? false : undefined;
  }
}

/** ConfirmPrompt's own recognition (its culture model), used as a recognizer. */
class CultureModel extends ConfirmPrompt {
  constructor() {
    super('culture-model');
    this.choiceOptions = { includeNumbers: false };
  }

  async read(text: string, locale: string): Promise<boolean | undefined> {
    const ctx = { activity: { type: ActivityTypes.Message, text, locale } } as unknown as TurnContext;
    const r = await this.onRecognize(ctx, {}, { recognizeLanguage: locale });
    return r.succeeded ? (r.value as boolean) : undefined;
  }
}
