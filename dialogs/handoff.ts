import type { TurnContext } from 'botbuilder';
import { handOff as handOver } from '../src/conversation/handoff.js';
import { setTriage } from '../src/conversation/triage-state.js';
import type { TriageDeps } from './deps.js';
import { t } from './messages.js';
import { session } from './session.js';

/**
 * Hands the conversation to a person from inside a flow (a person offered, asked for at a
 * step, two misunderstandings): the turn level's one mechanism (src/conversation/handoff.ts:
 * the handoff event, the queue record, the outcome, and the conversation then waits).
 */
export async function handOff(deps: TriageDeps, ctx: TurnContext, reason: string): Promise<void> {
  const s = await session(deps.session, ctx);
  setTriage(ctx, { state: 'handed-off' });
  await handOver(ctx, deps, s, reason, { notice: t(s.lang, 'handoff') });
}
