import { EventFactory, type Activity, type TurnContext } from 'botbuilder';
import { setTriage } from '../src/conversation/triage-state.js';
import type { TriageDeps } from './deps.js';
import { t } from './messages.js';
import { say } from './say.js';
import { session } from './session.js';

/** Hands the conversation to a person: the handoff event for the channel, and a queue record. */
export async function handOff(deps: TriageDeps, ctx: TurnContext, reason: string): Promise<void> {
  const s = await session(deps.session, ctx);
  setTriage(ctx, { state: 'handed-off', handoff: true });
  await say(ctx, t(s.lang, 'handoff'));
  const transcript = {
    activities: s.transcript.map(
      (l) => ({ type: 'message', text: l.text, timestamp: new Date(l.at), from: { id: l.from, name: l.from, role: l.from } }) as Partial<Activity> as Activity,
    ),
  };
  await ctx.sendActivity(EventFactory.createHandoffInitiation(ctx, { reason, productLine: s.productLine, faultId: s.faultId, language: s.lang }, transcript));
  const conversationId = ctx.activity.conversation.id;
  await deps.handoffs.open({
    conversationId,
    channel: ctx.activity.channelId,
    language: s.lang,
    productLine: s.productLine,
    faultId: s.faultId,
    reason,
    transcript: s.transcript,
  });
  await deps.outcomes.record({ conversationId, productLine: s.productLine, faultId: s.faultId, outcome: 'handed-off', steps: s.stepsTried });
}
