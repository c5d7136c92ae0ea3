import { CardFactory, MessageFactory, type Activity } from 'botbuilder';
import type { TriageStateName } from '../src/conversation/triage-state.js';
import { YesNo, type Aside, type AnswerPromptOptions, type Patience } from './answer-prompt.js';
import type { TriageDeps } from './deps.js';
import { handOff } from './handoff.js';
import { t, type Lang } from './messages.js';
import { say } from './say.js';
import { session } from './session.js';

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

/** Offer a person after two misunderstandings: the yes/no reader and the handoff; the asides every question hears. */
export function patience(deps: TriageDeps): Patience & { yesNoReader: YesNo } {
  const yesNoReader = new YesNo(deps.answers);
  return {
    yesNoReader,
    yesNo: (text, lang) => yesNoReader.read(text, lang),
    onlyYesNo: (text) => deps.answers.onlyYesNo(text),
    handOff: (ctx, reason) => handOff(deps, ctx, reason),
    aside: commonAside(deps),
  };
}

/**
 * What people say beside a question (the conversation is not a form): a request that is
 * not a fault (a part's price, an invoice, the ticket) is told where it goes; a short
 * question back ("what's a relief valve?", "在哪里看？") gets what the bot can do. Then
 * the question is asked again.
 */
function commonAside(deps: TriageDeps): Aside {
  return async (ctx, text, o, phase) => {
    // Free-text questions take almost anything as their answer, so they hear asides first;
    // the others only when they did not understand ("still not fixed, how much is a new pump?" is not fixed).
    const due = phase === 'after' || FREE_TEXT.has(o.triage);
    if (!due) return false;
    const lang = o.lang;
    // A description is the engine's to read: it tells a fault from a request.
    const intent = DESCRIPTION.has(o.triage) ? undefined : await deps.engine.detectIntent?.(text);
    if (intent && intent.route !== 'conversation') {
      await say(ctx, await asideForIntent(deps, ctx, intent.route, lang));
      return true;
    }
    if (deps.answers.isQuestionBack(text)) {
      await say(ctx, t(lang, o.triage === 'step' ? 'asideQuestionStep' : 'asideQuestion'));
      return true;
    }
    return false;
  };
}

/** Questions whose reader takes free text (a model, a description, an address, a name). */
const FREE_TEXT: ReadonlySet<TriageStateName> = new Set(['ask-model', 'ask-description', 'clarify', 'ask-address', 'ask-name']);
/** Questions answered with a description of the fault. */
const DESCRIPTION: ReadonlySet<TriageStateName> = new Set(['ask-description', 'clarify']);

async function asideForIntent(deps: TriageDeps, ctx: Parameters<Aside>[0], route: string, lang: Lang): Promise<string> {
  if (route === 'parts-desk') return t(lang, 'asideParts');
  if (route === 'office') return t(lang, 'asideOffice');
  if (route === 'own-ticket') {
    const s = await session(deps.session, ctx);
    return s.ticket ? t(lang, 'asideTicket', { number: s.ticket.number }) : t(lang, 'asideNoTicket');
  }
  return t(lang, 'asidePerson');
}
