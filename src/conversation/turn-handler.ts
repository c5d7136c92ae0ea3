import type { Lang } from '../language/languages.js';
import { MessageFactory, type TurnContext } from 'botbuilder';
import type { DialogContext } from 'botbuilder-dialogs';
import { MAIN } from '../../dialogs/main-dialog.js';
import { t } from '../../dialogs/messages.js';
import { newSession, type TriageSession } from '../../dialogs/session.js';
import type { TicketService } from '../tickets/service.js';
import type { CommandRecognizer } from './commands.js';
import type { DangerDetector } from './danger.js';
import { answerEmergency, type EmergencyDeps } from './emergency.js';
import { handOff } from './handoff.js';
import { setTriage, type TriageStateName } from './triage-state.js';
import { turnText, type TurnMessageKey } from './turn-messages.js';
import type { TurnVocabulary } from './turn-vocabulary.js';

export interface TurnDeps extends EmergencyDeps {
  danger: DangerDetector;
  commands: CommandRecognizer;
  vocabulary: TurnVocabulary;
  tickets: TicketService;
  /** The technician's name on the roster, for "where is my technician?". */
  technicianName?: (id: string) => Promise<string | undefined>;
  /** The deployment's time zone for the deadlines told to operators. */
  timeZone: string;
  /** The ticket the conversation opened (its id or number), wherever the flow recorded it. */
  conversationTicket: (ctx: TurnContext) => Promise<string | undefined>;
}

const BOT = { role: 'bot', label: 'bot' } as const;

/** Words said to the operator, with the state they leave the conversation in. */
async function reply(ctx: TurnContext, state: TriageStateName, text: string, extra: Parameters<typeof setTriage>[1] = {}) {
  setTriage(ctx, { ...extra, state });
  await ctx.sendActivity(MessageFactory.text(text, text, 'acceptingInput'));
}

/**
 * The turn level: every message goes through here before any dialog.
 * 1. Danger first: an emergency is answered at once, whatever was going on.
 * 2. Commands: "agent" / "转人工" hand off, "start over" / "取消" restart — as the first
 *    message, at any question, after a flow; only when the message asks for it.
 * 3. After a handoff, messages are kept for the person; the bot does not triage.
 * 4. A flow under way gets the message (the dialogs' prompts).
 * 5. Otherwise the lifecycle: the own ticket's status, thanks → a short close, a
 *    greeting, requests that are not faults, other languages; anything else starts a
 *    (new) triage.
 */
export class TurnHandler {
  constructor(private readonly deps: TurnDeps) {}

  /** What the bot still answers while a person holds the conversation (the live desk asks). */
  passThrough = (text: string): 'restart' | 'emergency' | undefined => {
    if (this.deps.danger.detect(text)) return 'emergency';
    return this.deps.commands.find(text) === 'restart' ? 'restart' : undefined;
  };

  async message(ctx: TurnContext, s: TriageSession, dc: DialogContext, text: string): Promise<void> {
    const finding = this.deps.danger.detect(text);
    if (finding) {
      await dc.cancelAllDialogs();
      await answerEmergency(ctx, this.deps, s, finding, text);
      return;
    }
    const command = this.deps.commands.find(text);
    if (command === 'restart') {
      await dc.cancelAllDialogs();
      restartTriage(s);
      await reply(ctx, 'restarted', turnText(s.lang, 'restarted'));
      return;
    }
    if (command === 'handoff') {
      if (s.phase === 'waiting-for-person') return reply(ctx, 'waiting-for-person', turnText(s.lang, 'waitingAgain'));
      await dc.cancelAllDialogs();
      setTriage(ctx, { state: 'handed-off' });
      await handOff(ctx, this.deps, s, 'user asked for a person', { notice: t(s.lang, 'handoff') });
      return;
    }
    if (s.phase === 'waiting-for-person') return this.whileWaiting(ctx, s);
    if (dc.activeDialog) {
      await dc.continueDialog();
      this.afterFlowTurn(s, dc);
      return;
    }
    if (await this.lifecycle(ctx, s, text)) return;
    // A new problem: a new triage (what the last one learnt about the machine is kept only if it was this one's).
    if (s.phase === 'ended') restartTriage(s);
    s.phase = 'triage';
    await dc.beginDialog(MAIN, { text });
    this.afterFlowTurn(s, dc);
  }

  /** The flow's dialog ended this turn (resolved, ticket sent, not our machine …): the lifecycle takes over. */
  private afterFlowTurn(s: TriageSession, dc: DialogContext): void {
    if (s.phase === 'waiting-for-person') return;
    s.phase = dc.activeDialog ? 'triage' : 'ended';
  }

  /** After a handoff the person answers: the message is kept for them (the live desk records it, and notes a callback number). */
  private async whileWaiting(ctx: TurnContext, s: TriageSession): Promise<void> {
    await reply(ctx, 'waiting-for-person', turnText(s.lang, 'waitingForPerson'));
  }

  /** Messages that are not a fault description when no flow is under way. True when answered. */
  private async lifecycle(ctx: TurnContext, s: TriageSession, text: string): Promise<boolean> {
    const ended = s.phase === 'ended';
    const intent = await this.deps.engine.detectIntent(text);
    if (intent?.id === 'ticket-status') {
      await this.ticketStatus(ctx, s);
      return true;
    }
    if (intent?.id === 'thanks' || (ended && this.deps.vocabulary.isClosing(text))) {
      await reply(ctx, 'closing', turnText(s.lang, 'closing'));
      return true;
    }
    if (intent?.id === 'greeting') {
      await reply(ctx, 'greeting', turnText(s.lang, ended ? 'stillHere' : 'greetingReply'));
      return true;
    }
    if (intent) {
      const line = this.deps.engine.language.intents.find((i) => i.id === intent.id);
      const desk: TurnMessageKey = intent.route === 'parts-desk' ? 'desk_parts' : intent.route === 'office' ? 'desk_office' : 'desk_person';
      await reply(
        ctx,
        'intent',
        turnText(s.lang, 'intentAnswer', { desk: turnText(s.lang, desk), title: line?.title[s.lang] ?? intent.id }),
      );
      return true;
    }
    if (this.deps.vocabulary.isOtherLanguage(text)) {
      await reply(ctx, 'intent', turnText(s.lang, 'otherLanguage'));
      return true;
    }
    if (!/[\p{L}\p{N}]/u.test(text)) {
      // An emoji or punctuation only: a close after a flow, otherwise what the bot can do.
      await reply(ctx, ended ? 'closing' : 'intent', turnText(s.lang, ended ? 'closing' : 'emptyTurn'));
      return true;
    }
    return false;
  }

  /** "Where is my technician?": the conversation's own ticket — number, status, technician, next deadline. */
  private async ticketStatus(ctx: TurnContext, s: TriageSession): Promise<void> {
    const lang = s.lang;
    const ref = s.ticket?.id ?? (await this.deps.conversationTicket(ctx));
    if (!ref) return reply(ctx, 'ticket-status', turnText(lang, 'noTicketHere'));
    let ticket;
    try {
      ticket = await this.deps.tickets.get(ref, BOT);
    } catch {
      return reply(ctx, 'ticket-status', turnText(lang, 'ticketLookupFailed'));
    }
    const name = ticket.technicianId
      ? ((await this.deps.technicianName?.(ticket.technicianId).catch(() => undefined)) ?? ticket.technicianId)
      : undefined;
    const next = ticket.sla.clocks.filter((c) => !c.metAt).sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
    const open = !['resolved', 'closed', 'cancelled'].includes(ticket.status);
    const deadline =
      next && open
        ? turnText(lang, 'ticketNextDeadline', {
            clock: turnText(lang, `clock_${next.name}` as TurnMessageKey),
            time: deadlineTime(lang, new Date(next.dueAt), this.deps.timeZone),
          })
        : open
          ? ''
          : turnText(lang, 'ticketAllMet');
    const text = turnText(lang, 'ticketStatus', {
      number: ticket.number,
      status: turnText(lang, `status_${ticket.status}` as TurnMessageKey),
      technician: name ? turnText(lang, 'ticketTechnician', { name }) : '',
      deadline,
    }).trim();
    await reply(ctx, 'ticket-status', text, { ticket: { number: ticket.number }, productLine: ticket.equipment.productLine });
  }
}

/** A deadline as the operator reads it: their language, the deployment's time zone. */
function deadlineTime(lang: Lang, at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

/**
 * A fresh triage in the same conversation: its language, transcript and ticket stay, and
 * what counts per conversation (escalations: each ticket its own idempotency key; gaps
 * recorded: a cap) survives starting over.
 */
export function restartTriage(s: TriageSession): void {
  const keep = {
    transcript: s.transcript,
    ticket: s.ticket,
    lastState: s.lastState,
    escalations: s.escalations,
    gapsRecorded: s.gapsRecorded,
  };
  const lang = s.lang;
  for (const key of Object.keys(s)) delete (s as unknown as Record<string, unknown>)[key];
  Object.assign(s, newSession(lang), keep, { phase: 'triage' });
}
