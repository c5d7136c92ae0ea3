import type { TriageInfo } from '../../conversation/triage-state.js';
import { detectLanguage } from '../../language/detect.js';
import type { TurnExpectation } from './conversation-set.js';

/** One bot message answering a user message, as the client received it. */
export interface BotReply {
  text: string;
  speak?: string;
  inputHint?: string;
  /** `channelData.triage`, when the message carried it. */
  triage?: Partial<TriageInfo>;
  buttons: string[];
}

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

/**
 * Why the bot's replies to one message do not meet the turn's expectations (empty: they
 * do). The rules are those of the conversation file format: `state`, `lang`,
 * `productLine` and `faultId` look at the last reply; `anyState`, `danger`, `handoff`
 * and `ticket` at any reply; `notState` at every reply; `textMatches` at all the text.
 */
export function checkTurn(expect: TurnExpectation, replies: BotReply[]): string[] {
  if (replies.length === 0) return ['the bot did not reply'];
  const problems: string[] = [];
  const last = replies[replies.length - 1]!;
  const lastTriage = last.triage;
  const statesSeen = replies.map((r) => r.triage?.state);

  const wanted = list(expect.state);
  if (wanted && !wanted.includes(String(lastTriage?.state))) {
    problems.push(`state: expected ${wanted.join('|')}, the last reply has ${show(lastTriage?.state)}`);
  }
  const any = list(expect.anyState);
  if (any && !statesSeen.some((s) => s !== undefined && any.includes(s))) {
    problems.push(`anyState: expected some reply in ${any.join('|')}, replies had ${show(statesSeen)}`);
  }
  const not = list(expect.notState);
  const forbidden = not ? statesSeen.filter((s): s is NonNullable<typeof s> => s !== undefined && not.includes(s)) : [];
  if (forbidden.length > 0) problems.push(`notState: a reply has ${forbidden.join(', ')}`);
  if (expect.lang) {
    if (lastTriage?.lang !== expect.lang)
      problems.push(`lang: expected ${expect.lang}, the last reply has triage.lang ${show(lastTriage?.lang)}`);
    const written = detectLanguage(last.text);
    if (written !== 'unknown' && written !== expect.lang) problems.push(`lang: the last reply's text is in ${written}, not ${expect.lang}`);
  }
  for (const key of ['productLine', 'faultId'] as const) {
    const allowed = list(expect[key]);
    if (allowed && !allowed.includes(String(lastTriage?.[key])))
      problems.push(`${key}: expected ${allowed.join('|')}, the last reply has ${show(lastTriage?.[key])}`);
  }
  for (const flag of ['danger', 'handoff'] as const) {
    if (expect[flag] && !replies.some((r) => r.triage?.[flag] === true)) problems.push(`${flag}: no reply has triage.${flag}`);
  }
  if (expect.ticket && !replies.some((r) => r.triage?.ticket?.number)) problems.push('ticket: no reply carries a ticket number');
  const joined = replies.map((r) => r.text).join('\n');
  for (const pattern of expect.textMatches ?? []) {
    if (!new RegExp(pattern, 'i').test(joined)) problems.push(`textMatches: /${pattern}/i is not in the replies`);
  }
  return problems;
}
