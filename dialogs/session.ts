import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { TranscriptLine } from '../src/records/triage-records.js';
import type { ProductLineCode } from '../src/knowledge/schema.js';
import type { StepTried } from '../src/tickets/model.js';
import type { TriageStateName } from '../src/conversation/triage-state.js';
import type { Lang } from './messages.js';

/** What the bot knows about the conversation so far; kept in conversation state. */
export interface TriageSession {
  lang: Lang;
  productLine?: ProductLineCode;
  model?: string;
  /** A serial of the installed base the operator gave (the machine's record fills the rest). */
  serial?: string;
  /** The machine's owner from the installed base: the ticket's customer (the operator is its contact). */
  customer?: string;
  /** Everything the operator said about the fault, in their words. */
  description?: string;
  faultId?: string;
  confidence?: number;
  /** Faults the operator said were not their problem: never offered again in this triage. */
  excluded?: string[];
  /** The model/serial question is asked once per conversation. */
  modelAsked?: boolean;
  stepsTried: StepTried[];
  transcript: TranscriptLine[];
  /** The ticket this conversation opened last (for "where is my technician?"); the one reference, kept over a restart. */
  ticket?: { id: string; number: string };
  /** A phone number the operator gave before the phone question (at the address or the name question). */
  contactPhone?: string;
  /** Counts escalations, so each gets its own idempotency key. */
  escalations: number;
  /**
   * Where the conversation is (src/conversation/turn-handler.ts): a triage under way (or
   * none yet), a flow that has ended (resolved, ticket sent, not our machine …), or
   * waiting for a person after a handoff (the live desk reads this).
   */
  phase?: 'triage' | 'ended' | 'waiting-for-person';
  /** The state the bot's last reply described (channelData.triage.state): which question is open. */
  lastState?: TriageStateName;
  /** Knowledge gaps this conversation recorded (at most MAX_GAPS: a stranger cannot fill the review queue). */
  gapsRecorded?: number;
}

export const newSession = (lang: Lang = 'en'): TriageSession => ({ lang, stepsTried: [], transcript: [], escalations: 0 });

export type SessionAccessor = StatePropertyAccessor<TriageSession>;

export async function session(accessor: SessionAccessor, ctx: TurnContext): Promise<TriageSession> {
  return accessor.get(ctx, newSession());
}

const MAX_TRANSCRIPT = 60;
/**
 * What a stranger can make one conversation keep is bounded: the description (it goes into
 * the ticket and the knowledge gaps, src/feedback/gap-text.ts caps gaps the same) and the
 * steps tried; the transcript keeps its last lines.
 */
export const MAX_DESCRIPTION = 2000;
const MAX_STEPS_TRIED = 100;
export const MAX_GAPS = 3;

/** At most MAX_DESCRIPTION characters of a description, cut at a code point. */
export function capDescription(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : [...text].slice(0, MAX_DESCRIPTION).join('');
}

/** Adds the operator's words to the fault description, once, up to MAX_DESCRIPTION characters. */
export function describe(s: TriageSession, text: string): void {
  if (!s.description || text.includes(s.description)) s.description = capDescription(text);
  else if (!s.description.includes(text)) s.description = capDescription(`${s.description}\n${text}`);
}

export function rememberStep(s: TriageSession, tried: StepTried): void {
  s.stepsTried.push(tried);
  if (s.stepsTried.length > MAX_STEPS_TRIED) s.stepsTried.splice(0, s.stepsTried.length - MAX_STEPS_TRIED);
}

export function remember(s: TriageSession, from: TranscriptLine['from'], text: string): void {
  s.transcript.push({ from, text: text.slice(0, 1000), at: new Date().toISOString() });
  if (s.transcript.length > MAX_TRANSCRIPT) s.transcript.splice(0, s.transcript.length - MAX_TRANSCRIPT);
}
