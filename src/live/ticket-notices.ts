import type { Logger } from 'pino';
import type { Database } from '../storage/database.js';
import { OPEN_STATUSES } from '../tickets/lifecycle.js';
import type { Ticket } from '../tickets/model.js';
import type { TicketChange } from '../tickets/service.js';
import { clockStates } from '../tickets/sla.js';
import type { ConversationDirectory, Lang } from './conversations.js';
import type { Delivery } from './delivery.js';
import type { HandoffDesk } from './handoffs.js';
import { deadlineTime, liveText, type LiveMessageKey } from './messages.js';

/** A technician's name for the operator (the roster's), or undefined to say "the technician". */
export type TechnicianName = (technicianId: string) => Promise<string | undefined>;

/**
 * The operator hears back: when their ticket is assigned (with the technician's name),
 * the technician is on the way or on site, the fault is fixed or the ticket cancelled,
 * and when a deadline is at risk — a short message in their language, in the
 * conversation the ticket came from (its `reference`), through the one proactive
 * mechanism. Each notice is written to ticket_notices first: a notice is sent once,
 * whichever instance saw the change or swept the deadlines.
 */
export class TicketNotices {
  constructor(
    private readonly db: Database,
    private readonly deps: {
      directory: ConversationDirectory;
      delivery: Delivery;
      desk: HandoffDesk;
      technicianName?: TechnicianName;
      /** The deployment's time zone, for deadline times. */
      timeZone: string;
      log: Logger;
      clock?: () => Date;
    },
  ) {}

  /** For TicketService.onChange: the notice runs after the change, never delaying or failing it. */
  readonly listener = (change: TicketChange): void => {
    void this.onChange(change).catch((err: Error) =>
      this.deps.log.warn({ err: err.message, ticket: change.ticket.number }, 'ticket notice failed'),
    );
  };

  async onChange({ kind, ticket }: TicketChange): Promise<void> {
    const conversation = await this.deps.directory.ofTicketReference(ticket.reference);
    if (!conversation) return;
    if (kind === 'created') {
      // Opened from a live chat: the chat view shows it, and the operator hears its number (the bot says its own).
      await this.deps.desk.linkTicket(conversation.conversationId, ticket.id);
      if (ticket.source !== 'bot')
        await this.notify(ticket, `created:v${ticket.version}`, conversation.conversationId, conversation.language, 'ticketOpened');
      return;
    }
    const key = NOTICE_BY_STATUS[ticket.status];
    if (!key) return;
    await this.notify(ticket, `${ticket.status}:v${ticket.version}`, conversation.conversationId, conversation.language, key);
  }

  /**
   * Open tickets whose next deadlines are at risk (the policy's at-risk fraction of the
   * clock has passed) or already missed: one notice per clock.
   */
  async sweepAtRisk(): Promise<number> {
    const now = (this.deps.clock ?? (() => new Date()))();
    const horizon = new Date(now.getTime() + 7 * 86_400_000).toISOString();
    const marks = OPEN_STATUSES.map((_, i) => `$${i + 2}`).join(', ');
    const rows = await this.db.query<{ doc: string }>(
      `SELECT doc FROM tickets WHERE next_due_at IS NOT NULL AND next_due_at < $1 AND status IN (${marks}) ORDER BY next_due_at LIMIT 500`,
      [horizon, ...OPEN_STATUSES],
    );
    let sent = 0;
    for (const { doc } of rows) {
      const ticket = JSON.parse(doc) as Ticket;
      if (!ticket.reference) continue;
      const risky = clockStates(ticket, now).filter((c) => c.state === 'at-risk' || c.state === 'breached');
      if (risky.length === 0) continue;
      const conversation = await this.deps.directory.ofTicketReference(ticket.reference);
      if (!conversation) continue;
      for (const clock of risky) {
        const lang = conversation.language ?? 'en';
        const params = {
          clock: liveText(lang, `clock_${clock.name}`),
          time: deadlineTime(lang, new Date(clock.dueAt), this.deps.timeZone),
        };
        if (await this.notify(ticket, `at-risk:${clock.name}`, conversation.conversationId, lang, 'ticketAtRisk', params)) sent++;
      }
    }
    return sent;
  }

  /** Sends the notice unless it was sent before (by any instance); true if this call sent it. */
  private async notify(
    ticket: Ticket,
    kind: string,
    conversationId: string,
    lang: Lang | undefined,
    key: LiveMessageKey,
    extra: Record<string, string> = {},
  ): Promise<boolean> {
    const first = await this.db.run(
      `INSERT INTO ticket_notices (ticket_id, kind, sent_at) VALUES ($1, $2, $3) ON CONFLICT (ticket_id, kind) DO NOTHING`,
      [ticket.id, kind, new Date().toISOString()],
    );
    if (first !== 1) return false;
    const language = lang ?? 'en';
    const technician = ticket.technicianId
      ? ((await this.deps.technicianName?.(ticket.technicianId).catch(() => undefined)) ?? ticket.technicianId)
      : liveText(language, 'theTechnician');
    const text = liveText(language, key, { number: ticket.number, technician, ...extra });
    const result = await this.deps.delivery.send(conversationId, [text]);
    // A live chat shows the notice too.
    const active = await this.deps.desk.active(conversationId);
    if (active) await this.deps.desk.record(active.id, 'bot', text);
    this.deps.log.info({ ticket: ticket.number, notice: kind, result }, 'ticket notice');
    return result === 'sent';
  }
}

const NOTICE_BY_STATUS: Partial<Record<Ticket['status'], LiveMessageKey>> = {
  assigned: 'ticketAssigned',
  en_route: 'ticketEnRoute',
  on_site: 'ticketOnSite',
  resolved: 'ticketResolved',
  cancelled: 'ticketCancelled',
};
