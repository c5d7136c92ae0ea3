import { CardFactory, MessageFactory, type Activity } from 'botbuilder';
import type { TriageStateName } from '../src/conversation/triage-state.js';
import { YesNo, type AnswerPromptOptions, type Patience } from './answer-prompt.js';
import type { TriageDeps } from './deps.js';
import { handOff } from './handoff.js';
import { t, type Lang } from './messages.js';

/** The options of a question: its text, buttons, what it accepts and where it leaves the conversation. */
export function ask(
  lang: Lang,
  triage: TriageStateName,
  text: string,
  accepted: string,
  buttons: string[] = [],
  data?: unknown,
): AnswerPromptOptions {
  const prompt = buttons.length ? MessageFactory.suggestedActions(buttons, text, text) : MessageFactory.text(text, text);
  const retry = `${t(lang, 'notUnderstood')} ${text}`;
  const retryPrompt = buttons.length ? MessageFactory.suggestedActions(buttons, retry, retry) : MessageFactory.text(retry, retry);
  return { prompt, retryPrompt, triage, accepted, lang, data };
}

/**
 * A choice among long options (fault titles): numbered in full in the text, with a
 * hero card of full-length buttons, because suggested actions cut long titles.
 */
export function askList(
  lang: Lang,
  triage: TriageStateName,
  intro: string,
  options: string[],
  accepted: string,
  data?: unknown,
): AnswerPromptOptions {
  const list = options.map((o, i) => `${i + 1}. ${o}`).join('\n');
  const text = intro.replace('{list}', list);
  const card = () => CardFactory.heroCard('', undefined, CardFactory.actions(options.map((o) => ({ type: 'imBack', title: o, value: o }))));
  const withCard = (words: string): Partial<Activity> => MessageFactory.attachment(card(), words, words);
  return { prompt: withCard(text), retryPrompt: withCard(`${t(lang, 'notUnderstood')} ${text}`), triage, accepted, lang, data };
}

export const numbered = (options: string[]) => options.map((o, i) => `${i + 1}. ${o}`).join('\n');

/** Offer a person after two misunderstandings: the yes/no reader and the handoff. */
export function patience(deps: TriageDeps): Patience & { yesNoReader: YesNo } {
  const yesNoReader = new YesNo(deps.answers);
  return {
    yesNoReader,
    yesNo: (text, lang) => yesNoReader.read(text, lang),
    handOff: (ctx, reason) => handOff(deps, ctx, reason),
  };
}
