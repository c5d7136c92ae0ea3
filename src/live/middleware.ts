import { ActivityTypes, TurnContext, type Activity, type BotState, type Middleware } from 'botbuilder';
import type { Logger } from 'pino';
import { turnLang } from '../bot/turn-errors.js';
import type { ConversationDirectory } from './conversations.js';
import type { HandoffDesk } from './handoffs.js';

/** The conversation state's phase while a person has the conversation (dialogs/session.ts). */
const WAITING_FOR_PERSON = 'waiting-for-person';

/**
 * The live desk's view of every bot turn, on both adapters (Bot Framework channels and
 * the local Direct Line), installed as middleware so the conversation itself need not
 * know about it:
 * - keeps the conversation's reference and language (how proactive messages reach it);
 * - while the conversation is handed over (waiting or held), keeps what the operator
 *   writes and what the bot answers for the agent, and passes the operator's typing
 *   indicator on to the agent's panel;
 * - a new handoff (the bot's handoff.initiate event) refreshes the panels' queues;
 * - when the operator leaves the handoff themselves ("start over"), the handoff closes.
 * Typing indicators never run the bot.
 */
export function liveMiddleware(deps: { directory: ConversationDirectory; desk: HandoffDesk; state: BotState; log: Logger }): Middleware {
  const { directory, desk, state, log } = deps;
  return {
    async onTurn(context, next) {
      const activity = context.activity;
      const conversationId = activity.conversation?.id;
      const fromUser = activity.type === ActivityTypes.Message || activity.type === ActivityTypes.Typing || activity.type === ActivityTypes.ConversationUpdate;
      if (!conversationId || !fromUser) return next();

      const handoff = await desk.active(conversationId).catch((err: Error) => {
        log.warn({ err: err.message }, 'could not look up the conversation’s handoff');
        return undefined;
      });
      if (activity.type === ActivityTypes.Typing) {
        if (handoff) await desk.operatorTyping(handoff.id);
        return;
      }
      if (handoff && activity.type === ActivityTypes.Message && typeof activity.text === 'string') {
        await desk.record(handoff.id, 'operator', activity.text);
      }

      const replies: string[] = [];
      let handedOver = false;
      context.onSendActivities(async (_ctx, activities, send) => {
        for (const a of activities) {
          if (a.type === ActivityTypes.Message && a.text) replies.push(a.text);
          if (a.type === ActivityTypes.Event && a.name === 'handoff.initiate') handedOver = true;
        }
        return send();
      });

      await next();

      // After a successful turn only: a failed turn's replies were never delivered.
      await directory.remember(TurnContext.getConversationReference(activity as Activity), turnLang(context, state)).catch((err: Error) => {
        log.warn({ err: err.message }, 'could not keep the conversation reference');
      });
      const now = handedOver ? await desk.active(conversationId) : handoff;
      if (now) for (const text of replies) await desk.record(now.id, 'bot', text);
      if (handedOver) await desk.queueChanged();
      if (handoff && !handedOver && phaseOf(context, state) !== undefined && phaseOf(context, state) !== WAITING_FOR_PERSON) {
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
