import type { TurnContext } from 'botbuilder';
import type { Lang } from '../../dialogs/messages.js';
import type { TriageSession } from '../../dialogs/session.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import { stopWorkForFault, stopWorkSteps } from '../knowledge/safety.js';
import type { Fault } from '../knowledge/schema.js';
import type { Retrieval } from '../retrieval/retrieval.js';
import type { DangerFinding, EmergencyNumberName } from './danger.js';
import { handOff, type HandoffDeps } from './handoff.js';
import { setTriage } from './triage-state.js';
import { turnText, type TurnMessageKey } from './turn-messages.js';

export interface EmergencyDeps extends HandoffDeps {
  kb: KnowledgeBase;
  engine: Retrieval;
  /** This deployment's emergency numbers (knowledge/safety.yaml, overridden by EMERGENCY_NUMBERS). */
  numbers: Record<string, string>;
}

/** "call 119 (fire brigade) and 120 (ambulance) if anyone is hurt" in the conversation's language. */
export function callSentence(names: readonly EmergencyNumberName[], numbers: Record<string, string>, lang: Lang): string {
  const parts = names.filter((n) => numbers[n]).map((n) => turnText(lang, `callPart_${n}` as TurnMessageKey, { number: numbers[n]! }));
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(turnText(lang, 'callJoin'))}${turnText(lang, 'callLast')}${parts[parts.length - 1]}`;
}

/**
 * The stop-work entry of the manual about this emergency on this line, if the engine
 * ranks one first (a fire is the fire entry; a boom on a power line its own entry,
 * whose safety notes replace routine isolation).
 */
async function stopWorkEntry(deps: EmergencyDeps, text: string, line: string | undefined): Promise<Fault | undefined> {
  if (!line) return undefined;
  const res = await deps.engine.suggest(text, { productLine: line as never, limit: 3 });
  if (res.reason === 'intent' || res.reason === 'other-machine') return undefined;
  const top = res.results[0] && deps.kb.faultsById.get(res.results[0].id);
  return top?.self_service === 'no' ? top : undefined;
}

/**
 * Answers an emergency at once, whatever the conversation was doing: get away and call
 * the numbers; then the matching stop-work entry's own notes when the engine ranks one,
 * and the stop-work steps for the machine (its product line's, unless the entry's notes
 * replace them; the general ones when the machine is unknown); a
 * top-priority handoff; and what happens next (a person takes over, a callback number).
 */
export async function answerEmergency(
  ctx: TurnContext,
  deps: EmergencyDeps,
  s: TriageSession,
  finding: DangerFinding,
  text: string,
): Promise<void> {
  const lang = s.lang;
  const named = await deps.engine.detectMachine(text);
  const line = s.productLine ?? named.line;
  if (line) s.productLine = line;
  const entry = await stopWorkEntry(deps, text, line).catch(() => undefined);
  if (entry) s.faultId = entry.id;
  setTriage(ctx, { state: 'danger', danger: true, handoff: true, productLine: s.productLine, faultId: s.faultId, lang });
  const first = turnText(lang, 'emergencyFirst', { call: callSentence(finding.numbers, deps.numbers, lang) });
  const numbered = (list: string[]) => list.map((step, i) => `${i + 1}. ${step}`).join('\n');
  const parts = [first];
  // The matched entry's own first-minute notes first (a runaway roller: stay seated, steer away, then chock downhill).
  if (entry && entry.safety.length > 0) parts.push(turnText(lang, 'emergencyEntry'), numbered(entry.safety.map((w) => w[lang])));
  // Then the line's routine stop-work steps, unless the entry's notes replace them (a power line, a fire …).
  const lineSteps = entry ? stopWorkForFault(deps.kb, entry, lang) : stopWorkSteps(deps.kb, line, lang);
  if (lineSteps.length > 0) parts.push(turnText(lang, 'emergencyStopWork'), numbered(lineSteps));
  await ctx.sendActivity({ type: 'message', text: parts.join('\n\n'), inputHint: 'ignoringInput' });
  await handOff(ctx, deps, s, `emergency: ${finding.kinds.join(', ')}`, { priority: 'urgent' });
  await ctx.sendActivity({ type: 'message', text: turnText(lang, 'emergencyRaised'), inputHint: 'acceptingInput' });
}
