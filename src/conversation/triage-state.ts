import type { Lang } from '../language/languages.js';
import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';

/**
 * Where the conversation stands, stamped on every message the bot sends as
 * `channelData.triage`. Channels ignore it; the conversation evaluation
 * (`npm run eval:chat`), the end-to-end tests and a call-center client read it to know
 * what the bot is waiting for without parsing its words.
 */
/** States in which the bot has asked a question and waits for its answer (inputHint expectingInput). */
export const QUESTION_STATES = [
  'ask-machine',
  'ask-description',
  'ask-model',
  'clarify',
  'choose-candidate',
  'step',
  'offer-person',
  'ask-address',
  'ask-location',
  'ask-name',
  'ask-phone',
  'ask-down',
  'confirm',
] as const;

export const TRIAGE_STATES = [
  'greeting',
  ...QUESTION_STATES,
  'ticket-created',
  'resolved',
  'closing',
  'safety-stop',
  'danger',
  'intent',
  'handed-off',
  'waiting-for-person',
  'ticket-status',
  'restarted',
  'not-our-machine',
] as const;

export type TriageStateName = (typeof TRIAGE_STATES)[number];

const QUESTIONS: ReadonlySet<TriageStateName> = new Set(QUESTION_STATES);

/** True when a reply in this state asks a question and waits for its answer. */
export const isQuestionState = (state: TriageStateName): boolean => QUESTIONS.has(state);

export interface TriageInfo {
  state: TriageStateName;
  lang: Lang;
  productLine?: string;
  faultId?: string;
  /** True when this turn's message was recognised as an emergency. */
  danger?: boolean;
  /** True when this turn raised a handoff to a person. */
  handoff?: boolean;
  /** The ticket this turn created (or reported on). */
  ticket?: { number: string };
}

const KEY = Symbol('triageInfo');
/** The turn's messages stamped before the turn said where it stands: they take the first state it declares. */
const PENDING = Symbol('triagePending');

/**
 * Where the conversation stood when the turn began (the question left open by the last
 * turn): what the turn's info starts from. It declares nothing, so messages sent before
 * the turn's own first state ("This sounds like…" ahead of the first step) take that
 * state, not this one.
 */
export function beginTriage(ctx: TurnContext, info: Partial<TriageInfo>): void {
  const current = ctx.turnState.get(KEY) as TriageInfo | undefined;
  ctx.turnState.set(KEY, { ...(current ?? { state: 'greeting', lang: 'en' }), ...info });
  if (!ctx.turnState.has(PENDING)) ctx.turnState.set(PENDING, []);
}

/**
 * Record where the conversation stands; later messages of the turn carry it. Call it
 * before sending the message (or prompt) that the state describes; messages the turn
 * sent before its first state belong to that state too. Patches merge, so `danger`,
 * `handoff` and `ticket` set earlier in the turn stay set for the turn.
 */
export function setTriage(ctx: TurnContext, patch: Partial<TriageInfo>): void {
  const current = ctx.turnState.get(KEY) as TriageInfo | undefined;
  ctx.turnState.set(KEY, { ...(current ?? { state: 'greeting', lang: 'en' }), ...patch });
  if (patch.state === undefined) return;
  const pending = ctx.turnState.get(PENDING) as TriageInfo[] | undefined;
  for (const stamped of pending ?? []) stamped.state = patch.state;
  // Declared: from now on every message carries the state in effect when it is sent.
  ctx.turnState.set(PENDING, undefined);
}

export function triageOf(ctx: TurnContext): TriageInfo | undefined {
  return ctx.turnState.get(KEY) as TriageInfo | undefined;
}

/**
 * Stamps the turn's triage info (a snapshot at send time) on every outgoing message;
 * a message sent before the turn declared its state is given that state when it is
 * declared (replies wait in the turn's outbox until the turn ends, so none has left yet).
 */
export const triageStampMiddleware: Middleware = {
  async onTurn(ctx, next) {
    ctx.onSendActivities(async (turn, activities, send) => {
      const info = triageOf(turn);
      if (info) {
        const pending = turn.turnState.get(PENDING) as TriageInfo[] | undefined;
        for (const a of activities) {
          if (a.type !== ActivityTypes.Message) continue;
          const data = (a.channelData ?? {}) as Record<string, unknown>;
          const stamped = { ...info };
          a.channelData = { ...data, triage: stamped };
          pending?.push(stamped);
        }
      }
      return send();
    });
    await next();
  },
};
