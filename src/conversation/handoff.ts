import { EventFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import type { TriageSession } from '../../dialogs/session.js';
import type { HandoffPriority } from '../records/triage-records.js';
import { setTriage } from './triage-state.js';

/** urgent: the bot detected an emergency; the call center takes these first. */
export type { HandoffPriority };

/** What a handoff writes (src/records/triage-records.ts implements both on the shared database). */
export interface HandoffDeps {
  handoffs: {
    open(req: {
      conversationId: string;
      channel: string;
      language: string;
      productLine?: string;
      faultId?: string;
      reason: string;
      priority?: HandoffPriority;
      transcript: TriageSession['transcript'];
    }): Promise<unknown>;
  };
  outcomes: {
    record(o: { conversationId: string; productLine?: string; faultId?: string; outcome: 'handed-off'; steps: unknown[] }): Promise<void>;
  };
}

/**
 * Hands the conversation to a person: the `handoff.initiate` event with the transcript
 * for the channel, a request in the call center's queue (urgent for an emergency), and
 * the outcome. From then on the conversation waits for the person (the live desk reads
 * the session's phase), and the turn's replies say `handoff: true`.
 */
export async function handOff(
  ctx: TurnContext,
  deps: HandoffDeps,
  s: TriageSession,
  reason: string,
  opts: { priority?: HandoffPriority; /** What the operator is told first (the handoff notice). */ notice?: string } = {},
): Promise<void> {
  const priority = opts.priority ?? 'normal';
  const already = s.phase === 'waiting-for-person';
  s.phase = 'waiting-for-person';
  setTriage(ctx, { handoff: true });
  if (opts.notice) await ctx.sendActivity(MessageFactory.text(opts.notice, opts.notice, 'acceptingInput'));
  const transcript = {
    activities: s.transcript.map(
      (l) =>
        ({
          type: 'message',
          text: l.text,
          timestamp: new Date(l.at),
          from: { id: l.from, name: l.from, role: l.from },
        }) as Partial<Activity> as Activity,
    ),
  };
  await ctx.sendActivity(
    EventFactory.createHandoffInitiation(
      ctx,
      { reason, priority, productLine: s.productLine, faultId: s.faultId, language: s.lang },
      transcript,
    ),
  );
  const conversationId = ctx.activity.conversation.id;
  await deps.handoffs.open({
    conversationId,
    channel: ctx.activity.channelId,
    language: s.lang,
    productLine: s.productLine,
    faultId: s.faultId,
    reason,
    priority,
    transcript: s.transcript,
  });
  if (!already)
    await deps.outcomes.record({
      conversationId,
      productLine: s.productLine,
      faultId: s.faultId,
      outcome: 'handed-off',
      steps: s.stepsTried,
    });
}
