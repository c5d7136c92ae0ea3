import { ActivityTypes, TurnContext, type Activity, type BotState, type Middleware } from 'botbuilder';
import type { Logger } from 'pino';
import { turnLang } from '../bot/turn-errors.js';
import { TurnOutbox } from '../bot/turn-outbox.js';
import { findPhoneNumbersInText } from 'libphonenumber-js';
import type { ConversationDirectory } from './conversations.js';
import type { HandoffDesk } from './handoffs.js';
import { liveText } from './messages.js';

/** The conversation state's phase while a person has the conversation (dialogs/session.ts). */
const WAITING_FOR_PERSON = 'waiting-for-person';

/** What still reaches the bot while a person holds the conversation: starting over, and an emergency. */
export type PassThrough = (text: string) => 'restart' | 'emergency' | undefined;

/**
 * The live desk's view of every bot turn, on both adapters (Bot Framework channels and
 * the local Direct Line), installed as middleware so the conversation itself need not
 * know about it:
 * - keeps the conversation's reference and language (how proactive messages reach it);
 * - while the conversation is handed over (waiting or held), keeps what the operator
 *   writes and what the bot answers for the agent, and passes the operator's typing
 *   indicator on to the agent's panel;
 * - a new handoff (the bot's handoff.initiate event) refreshes the panels' queues;
 * - while a person holds it, the bot stays silent: the operator's words go to the agent
 *   only — except "start over" and an emergency, which the bot still answers;
 * - an emergency while handed over marks the chat urgent for the agents (and the bot answers it);
 * - a phone number the operator writes while handed over is kept as the callback number;
 *   while nobody has claimed the chat yet the desk confirms it (the bot does not read a
 *   number as a new fault);
 * - when the operator leaves the handoff themselves ("start over"), the handoff closes.
 * Typing indicators never run the bot.
 */
export function liveMiddleware(deps: {
  directory: ConversationDirectory;
  desk: HandoffDesk;
  state: BotState;
  passThrough: PassThrough;
  log: Logger;
}): Middleware {
  const { directory, desk, state, log } = deps;
  const remember = (context: TurnContext) =>
    directory.remember(TurnContext.getConversationReference(context.activity as Activity), turnLang(context, state)).catch((err: Error) => {
      log.warn({ err: err.message }, 'could not keep the conversation reference');
    });
  return {
    async onTurn(context, next) {
      const activity = context.activity;
      const conversationId = activity.conversation?.id;
      const fromUser =
        activity.type === ActivityTypes.Message ||
        activity.type === ActivityTypes.Typing ||
        activity.type === ActivityTypes.ConversationUpdate;
      if (!conversationId || !fromUser) return next();

      const handoff = await desk.active(conversationId).catch((err: Error) => {
        log.warn({ err: err.message }, 'could not look up the conversation’s handoff');
        return undefined;
      });
      if (activity.type === ActivityTypes.Typing) {
        if (handoff) await desk.operatorTyping(handoff.id);
        return;
      }
      let passed: ReturnType<PassThrough>;
      if (handoff && activity.type === ActivityTypes.Message && typeof activity.text === 'string') {
        await desk.record(handoff.id, 'operator', activity.text);
        passed = deps.passThrough(activity.text);
        if (passed === 'emergency') await desk.markUrgent(handoff.id);
        const phone = callbackNumber(activity.text);
        if (phone) await desk.noteCallback(handoff.id, phone.e164);
        if (handoff.status === 'claimed' && !passed) {
          await remember(context);
          return; // the person answers, not the bot
        }
        if (phone && !passed) {
          const lang = handoff.language === 'zh' ? 'zh' : 'en';
          const text = liveText(lang, 'callbackNoted', { phone: phone.shown });
          // Where the conversation stands, as on every bot message: waiting for the person.
          await context.sendActivity({
            type: ActivityTypes.Message,
            text,
            speak: text,
            channelData: { triage: { state: 'waiting-for-person', lang } },
          });
          await desk.record(handoff.id, 'bot', text);
          await remember(context);
          return;
        }
      }

      const seen: Partial<Activity>[] = [];
      context.onSendActivities(async (_ctx, activities, send) => {
        seen.push(...activities);
        return send();
      });

      await next();

      // What the turn delivers: its outbox (a turn that ran again after a conflict took its first replies back).
      const sent = TurnOutbox.of(context)?.replies() ?? seen;
      const replies = sent.filter((a) => a.type === ActivityTypes.Message && a.text).map((a) => a.text!);
      const handedOver = sent.some((a) => a.type === ActivityTypes.Event && a.name === 'handoff.initiate');

      // After a successful turn only: a failed turn's replies were never delivered.
      await remember(context);
      const now = handedOver ? await desk.active(conversationId) : handoff;
      if (now) for (const text of replies) await desk.record(now.id, 'bot', text);
      if (handedOver) await desk.queueChanged();
      const phase = phaseOf(context, state);
      // An emergency answered by the bot leaves the chat with the person who holds it.
      if (
        handoff &&
        !handedOver &&
        (passed === 'restart' || (passed !== 'emergency' && phase !== undefined && phase !== WAITING_FOR_PERSON))
      ) {
        // The operator went back to the assistant (start over): nobody is waiting any more.
        if (await desk.endedByOperator(handoff.id)) await desk.record(handoff.id, 'bot', '— the operator went back to the assistant —');
      }
    },
  };
}

function phaseOf(context: TurnContext, state: BotState): string | undefined {
  const triage = (state.get(context) as { triage?: { phase?: unknown } } | undefined)?.triage;
  return typeof triage?.phase === 'string' ? triage.phase : undefined;
}

/** The first valid phone number in the operator's words (numbers without a country code are Chinese, as in tickets). */
export function callbackNumber(text: string): { e164: string; shown: string } | undefined {
  const found = findPhoneNumbersInText(text.slice(0, 2000), 'CN')[0];
  return found ? { e164: found.number.number, shown: found.number.formatInternational() } : undefined;
}
