import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { TranscriptLine } from '../src/records/triage-records.js';
import type { ProductLineCode } from '../src/knowledge/schema.js';
import type { StepTried } from '../src/tickets/model.js';
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
  /** Counts escalations, so each gets its own idempotency key. */
  escalations: number;
}

export const newSession = (lang: Lang = 'en'): TriageSession => ({ lang, stepsTried: [], transcript: [], escalations: 0 });

export type SessionAccessor = StatePropertyAccessor<TriageSession>;

export async function session(accessor: SessionAccessor, ctx: TurnContext): Promise<TriageSession> {
  return accessor.get(ctx, newSession());
}

const MAX_TRANSCRIPT = 60;

export function remember(s: TriageSession, from: TranscriptLine['from'], text: string): void {
  s.transcript.push({ from, text: text.slice(0, 1000), at: new Date().toISOString() });
  if (s.transcript.length > MAX_TRANSCRIPT) s.transcript.splice(0, s.transcript.length - MAX_TRANSCRIPT);
}
