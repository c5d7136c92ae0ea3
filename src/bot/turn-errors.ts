import type { BotState, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import { t, type Lang, type MessageKey } from '../../dialogs/messages.js';
import { message } from '../../dialogs/say.js';
import { EngineBusyError } from '../retrieval/embedders/embedder.js';
import { detectLanguage } from '../language/detect.js';
import { StateConflictError } from './db-storage.js';

/** The user's language as far as this turn knows it: the saved conversation's, else the message's. */
export function turnLang(context: TurnContext, state: BotState): Lang | undefined {
  const saved = (state.get(context) as { triage?: { lang?: Lang } } | undefined)?.triage?.lang;
  if (saved) return saved;
  const detected = detectLanguage(typeof context.activity.text === 'string' ? context.activity.text : '');
  return detected === 'unknown' ? undefined : detected;
}

/** A short notice in the user's language (both languages when it is not known yet). */
export function notice(context: TurnContext, state: BotState, key: MessageKey) {
  const lang = turnLang(context, state);
  return message(lang ? t(lang, key) : `${t('zh', key)}\n\n${t('en', key)}`);
}

/** botbuilder-dialogs wraps what a dialog throws (DialogContextError.error); look inside. */
function isA(err: unknown, kind: abstract new (...args: never[]) => Error): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof kind) return true;
    e = (e as { error?: unknown }).error ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The adapters' onTurnError. It never throws (it runs where nobody would catch it: after
 * the middleware pipeline, or from a timer), never deletes the conversation's state — the
 * failed turn's changes were not saved, so the next message continues from the last
 * saved step — and apologises in the user's language unless the channel itself is what
 * failed (then there is nobody to tell).
 */
export function turnErrorHandler(log: Logger, state: BotState, channelFailed: (err: unknown) => boolean) {
  return async (context: TurnContext, error: Error): Promise<void> => {
    try {
      const channel = context.activity?.channelId;
      if (isA(error, StateConflictError)) {
        // Other turns of this conversation kept saving first (the bot re-ran this one several times): nothing was saved or sent.
        log.warn(
          { channel, conversation: context.activity?.conversation?.id },
          'bot turn given up: the conversation kept moving on in other turns',
        );
        await context.sendActivity(notice(context, state, 'turnBusy'));
        return;
      }
      if (isA(error, EngineBusyError)) {
        // Nothing is broken: the sentence encoder's queue was full. The turn was not saved, so the user's resend replays it.
        log.warn({ channel, conversation: context.activity?.conversation?.id }, 'bot turn refused: the suggestion engine is busy');
        await context.sendActivity(notice(context, state, 'engineBusy'));
        return;
      }
      log.error({ err: error, channel, conversation: context.activity?.conversation?.id }, 'bot turn failed');
      if (channelFailed(error)) return;
      await context.sendActivity(notice(context, state, 'turnFailed'));
    } catch (err) {
      log.warn({ err }, 'could not tell the user about a failed turn');
    }
  };
}
