import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';
import type { HandoffDetail, HandoffMessage, HandoffStatus, HandoffSummary } from '../api/handoffs.js';
import type { Database } from '../storage/database.js';
import type { StepTried, TicketStatus } from '../tickets/model.js';
import { NotFoundError } from '../errors/domain-errors.js';
import type { Bus } from './bus.js';
import type { Lang } from './conversations.js';
import type { Delivery, Sender } from './delivery.js';
import { liveText, type LiveMessageKey } from './messages.js';

/** Why a claim, message or release was refused although the request was well-formed (HTTP 409). */
export class HandoffConflictError extends Error {
  override name = 'HandoffConflictError';
  constructor(
    readonly code: 'handoff_claimed' | 'handoff_closed' | 'handoff_not_claimed' | 'not_holder',
    message: string,
  ) {
    super(message);
  }
}

/** Who acts on a handoff: an API key's role and label (the label is what the record keeps). */
export interface Agent {
  role: string;
  label: string;
}

/** Handoffs in a period, the pickup times (seconds) of those claimed, and how often nobody came in time. */
export interface PickupTimes {
  handoffs: number;
  pickups: number[];
  unclaimedNotices: number;
}

/** The topics of the live desk on the bus. */
export const QUEUE_TOPIC = 'handoffs';
export const handoffTopic = (id: string) => `handoff:${id}`;

/** What the desk publishes on a handoff's topic: new messages (read them after your cursor), typing, a status change. */
export type HandoffHint = { kind: 'messages' } | { kind: 'typing'; from: 'operator' | 'agent' } | { kind: 'status'; status: HandoffStatus };

type Row = Record<string, string | number | null>;

const ACTIVE = ['open', 'claimed'] as const;

const str = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

/**
 * The call center's side of a handoff: the queue (paged), claiming (one holder; an admin
 * may take over), the messages of both sides since the handoff, replying into the
 * conversation through the proactive mechanism, and releasing it to the bot or closing
 * it. Every change is announced on the bus so that panels on every instance update
 * without reloading. The bot's side (opening a handoff, the transcript, the callback
 * number) is written by the conversation (src/records/triage-records.ts).
 */
export class HandoffDesk {
  constructor(
    private readonly db: Database,
    private readonly deps: {
      delivery: Delivery;
      bus: Bus;
      log: Logger;
      /** Handoff → claim, observed once per handoff. */
      pickup?: Histogram;
      clock?: () => Date;
    },
  ) {}

  private now(): Date {
    return (this.deps.clock ?? (() => new Date()))();
  }

  // ---------------------------------------------------------------------------------
  // Reading

  async list(q: { status: HandoffStatus; limit: number; offset: number }): Promise<{ handoffs: HandoffSummary[]; total: number }> {
    const rows = await this.db.query<Row>(`SELECT * FROM handoffs WHERE status = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, [
      q.status,
      q.limit,
      q.offset,
    ]);
    const [count] = await this.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM handoffs WHERE status = $1`, [q.status]);
    const now = this.now();
    return { handoffs: rows.map((r) => summary(r, now)), total: Number(count?.n ?? 0) };
  }

  async get(id: string): Promise<HandoffDetail> {
    const row = await this.row(id);
    const conversationId = String(row.conversation_id);
    const outcomes = await this.db.query<{ outcome: string; steps: string; ticket_id: string | null }>(
      `SELECT outcome, steps, ticket_id FROM triage_outcomes WHERE conversation_id = $1 ORDER BY created_at`,
      [conversationId],
    );
    const handedOff = outcomes.filter((o) => o.outcome === 'handed-off').at(-1) ?? outcomes.at(-1);
    const ticketIds = [...new Set([...outcomes.map((o) => o.ticket_id), str(row.ticket_id)].filter((x): x is string => Boolean(x)))];
    const tickets: HandoffDetail['tickets'] = [];
    for (const ticketId of ticketIds) {
      const [t] = await this.db.query<{ id: string; number: string; status: string }>(
        `SELECT id, number, status FROM tickets WHERE id = $1`,
        [ticketId],
      );
      if (t) tickets.push({ id: t.id, number: t.number, status: t.status as TicketStatus });
    }
    return {
      ...summary(row, this.now()),
      stepsTried: handedOff ? (JSON.parse(handedOff.steps) as StepTried[]) : [],
      tickets,
      ticketReference: `${row.channel}:${conversationId}`.slice(0, 200),
    };
  }

  /** The conversation's handoff that is waiting or held, if any (what the bot consults on every turn). */
  async active(conversationId: string): Promise<{ id: string; status: 'open' | 'claimed'; language: string } | undefined> {
    const [row] = await this.db.query<{ id: string; status: 'open' | 'claimed'; language: string }>(
      `SELECT id, status, language FROM handoffs WHERE conversation_id = $1 AND status IN ('open', 'claimed') ORDER BY created_at DESC LIMIT 1`,
      [conversationId],
    );
    return row;
  }

  async messages(id: string, after: number): Promise<{ messages: HandoffMessage[]; cursor: string; status: HandoffStatus }> {
    const row = await this.row(id);
    const rows = await this.db.query<{ seq: number; at: string; sender: string; author: string | null; text: string }>(
      `SELECT seq, at, sender, author, text FROM handoff_messages WHERE handoff_id = $1 AND seq > $2 ORDER BY seq LIMIT 500`,
      [id, after],
    );
    const messages = rows.map((r) => ({
      cursor: String(r.seq),
      at: r.at,
      from: r.sender as HandoffMessage['from'],
      ...(r.author ? { author: r.author } : {}),
      text: r.text,
    }));
    return { messages, cursor: messages.at(-1)?.cursor ?? String(after), status: row.status as HandoffStatus };
  }

  // ---------------------------------------------------------------------------------
  // The conversation's words while it is handed over

  /** Keeps a line of the conversation for the agent and tells the panels. */
  async record(handoffId: string, sender: HandoffMessage['from'], text: string, author?: string): Promise<void> {
    if (!text.trim()) return;
    await this.db.transaction(
      async (tx) => {
        const [row] = await tx.query<{ next_seq: number }>(`UPDATE handoffs SET next_seq = next_seq + 1 WHERE id = $1 RETURNING next_seq`, [
          handoffId,
        ]);
        if (!row) return;
        await tx.run(`INSERT INTO handoff_messages (handoff_id, seq, at, sender, author, text) VALUES ($1, $2, $3, $4, $5, $6)`, [
          handoffId,
          Number(row.next_seq),
          this.now().toISOString(),
          sender,
          author ?? null,
          text.slice(0, 4000),
        ]);
      },
      { durable: false },
    );
    await this.hint(handoffId, { kind: 'messages' });
  }

  /** The operator is typing (their channel sent a typing activity): the holder's panel shows it. */
  async operatorTyping(handoffId: string): Promise<void> {
    await this.hint(handoffId, { kind: 'typing', from: 'operator' });
  }

  /** A new handoff or a change to one: panels refresh their queue. */
  async queueChanged(): Promise<void> {
    await this.deps.bus
      .publish(QUEUE_TOPIC, null)
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'queue hint not published'));
  }

  // ---------------------------------------------------------------------------------
  // The agent's actions

  /** The agent takes the handoff. Claiming one's own again is fine; someone else's is a conflict unless an admin takes over. */
  async claim(id: string, agent: Agent): Promise<HandoffSummary> {
    const at = this.now().toISOString();
    const took = await this.db.run(
      `UPDATE handoffs SET status = 'claimed', claimed_by = $2, claimed_at = $3 WHERE id = $1 AND status = 'open'`,
      [id, agent.label, at],
    );
    let row = await this.row(id);
    if (took === 1) {
      const waited = (Date.parse(at) - Date.parse(String(row.created_at))) / 1000;
      this.deps.pickup?.observe(Math.max(0, waited));
      this.deps.log.info({ handoff: id, agent: agent.label, pickupSeconds: Math.round(waited) }, 'handoff claimed');
      await this.tellOperator(row, 'agentJoined');
    } else if (row.status === 'claimed' && row.claimed_by !== agent.label) {
      if (agent.role !== 'admin')
        throw new HandoffConflictError('handoff_claimed', `this chat is held by ${row.claimed_by}; an admin may take it over`);
      const taken = await this.db.run(`UPDATE handoffs SET claimed_by = $2 WHERE id = $1 AND status = 'claimed' AND claimed_by = $3`, [
        id,
        agent.label,
        row.claimed_by,
      ]);
      if (taken !== 1) throw new HandoffConflictError('handoff_claimed', 'the chat changed hands meanwhile; reload it');
      this.deps.log.info({ handoff: id, agent: agent.label, from: row.claimed_by }, 'handoff taken over');
      row = await this.row(id);
      await this.tellOperator(row, 'agentTookOver');
    } else if (row.status === 'closed') {
      throw new HandoffConflictError('handoff_closed', 'this chat is closed');
    }
    await this.changed(id, 'claimed');
    return summary(row, this.now());
  }

  /** The holder writes to the operator: kept for the panel, sent into the conversation. */
  async post(id: string, agent: Agent, text: string): Promise<HandoffMessage> {
    const row = await this.held(id, agent);
    await this.record(id, 'agent', text, agent.label);
    const result = await this.deps.delivery.send(String(row.conversation_id), [text], agentSender(agent));
    if (result !== 'sent') this.deps.log.warn({ handoff: id, result }, 'agent message not delivered to the operator');
    const [last] = await this.db.query<{ seq: number; at: string }>(
      `SELECT seq, at FROM handoff_messages WHERE handoff_id = $1 ORDER BY seq DESC LIMIT 1`,
      [id],
    );
    return { cursor: String(last?.seq ?? 0), at: last?.at ?? this.now().toISOString(), from: 'agent', author: agent.label, text };
  }

  /** The holder is typing: the operator's channel shows it. */
  async agentTyping(id: string, agent: Agent): Promise<void> {
    const row = await this.held(id, agent);
    await this.deps.delivery.typing(String(row.conversation_id), agentSender(agent));
  }

  /**
   * Ends the agent's part: back to the bot (it answers the next message) or closed (the
   * chat is over). The holder or an admin may; the operator is told either way.
   */
  async release(id: string, agent: Agent, to: 'bot' | 'closed'): Promise<HandoffSummary> {
    const row = await this.row(id);
    if (row.status === 'closed') throw new HandoffConflictError('handoff_closed', 'this chat is closed already');
    if (row.status === 'claimed' && row.claimed_by !== agent.label && agent.role !== 'admin') {
      throw new HandoffConflictError('not_holder', `this chat is held by ${row.claimed_by}`);
    }
    const closed = await this.close(id, { by: agent.label, to, expectStatus: String(row.status) });
    if (!closed) throw new HandoffConflictError('handoff_claimed', 'the chat changed meanwhile; reload it');
    await this.tellOperator(row, to === 'bot' ? 'releasedToBot' : 'closedByAgent');
    return summary(await this.row(id), this.now());
  }

  /**
   * Closes a handoff without a message to the operator (they went back to the bot
   * themselves, e.g. "start over"); true if it was still active.
   */
  async endedByOperator(id: string): Promise<boolean> {
    return this.close(id, { by: 'operator', to: 'bot' });
  }

  private async close(id: string, o: { by: string; to: 'bot' | 'closed'; expectStatus?: string }): Promise<boolean> {
    const at = this.now().toISOString();
    const changed = await this.db.run(
      `UPDATE handoffs SET status = 'closed', closed_at = $2, closed_by = $3, released_to = $4 WHERE id = $1 AND status IN ('open', 'claimed')${o.expectStatus ? ' AND status = $5' : ''}`,
      o.expectStatus ? [id, at, o.by, o.to, o.expectStatus] : [id, at, o.by, o.to],
    );
    if (changed !== 1) return false;
    this.deps.log.info({ handoff: id, by: o.by, to: o.to }, 'handoff closed');
    await this.changed(id, 'closed');
    return true;
  }

  /** The operator left a number to be called back on: the agent's view shows it. */
  async noteCallback(id: string, phone: string): Promise<void> {
    const changed = await this.db.run(`UPDATE handoffs SET callback_phone = $2 WHERE id = $1 AND status IN ('open', 'claimed')`, [
      id,
      phone,
    ]);
    if (changed === 1) await this.changed(id, String((await this.row(id)).status) as HandoffStatus);
  }

  /** The operator reported danger while handed over: the chat goes to the top of the agents' attention. */
  async markUrgent(id: string): Promise<void> {
    const changed = await this.db.run(
      `UPDATE handoffs SET priority = 'urgent' WHERE id = $1 AND status IN ('open', 'claimed') AND (priority IS NULL OR priority <> 'urgent')`,
      [id],
    );
    if (changed === 1) {
      this.deps.log.warn({ handoff: id }, 'danger reported in a handed-over chat');
      await this.changed(id, String((await this.row(id)).status) as HandoffStatus);
    }
  }

  /** Links a ticket opened for the conversation to its active handoff (the chat view shows it). */
  async linkTicket(conversationId: string, ticketId: string): Promise<void> {
    const active = await this.active(conversationId);
    if (!active) return;
    await this.db.run(`UPDATE handoffs SET ticket_id = $2 WHERE id = $1`, [active.id, ticketId]);
    await this.changed(active.id, active.status);
  }

  // ---------------------------------------------------------------------------------
  // Nobody came

  /**
   * Handoffs open longer than `afterMs` whose operator has not been told yet: the bot says
   * nobody is free and asks for a number to call back. Each is claimed by one instance
   * (a conditional update), so several instances never send it twice.
   */
  async sweepUnclaimed(afterMs: number): Promise<number> {
    const now = this.now();
    const cutoff = new Date(now.getTime() - afterMs).toISOString();
    const due = await this.db.query<Row>(
      `SELECT * FROM handoffs WHERE status = 'open' AND unclaimed_notice_at IS NULL AND created_at < $1 ORDER BY created_at LIMIT 100`,
      [cutoff],
    );
    let sent = 0;
    for (const row of due) {
      const mine = await this.db.run(
        `UPDATE handoffs SET unclaimed_notice_at = $2 WHERE id = $1 AND status = 'open' AND unclaimed_notice_at IS NULL`,
        [row.id, now.toISOString()],
      );
      if (mine !== 1) continue;
      await this.tellOperator(row, 'unclaimed');
      await this.changed(String(row.id), 'open');
      sent++;
    }
    return sent;
  }

  // ---------------------------------------------------------------------------------

  /** Pickup times in a period, for the reports. */
  async pickupTimes(from: string, to: string): Promise<PickupTimes & { months: (PickupTimes & { month: string })[] }> {
    const rows = await this.db.query<{ created_at: string; claimed_at: string | null; unclaimed_notice_at: string | null }>(
      `SELECT created_at, claimed_at, unclaimed_notice_at FROM handoffs WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at`,
      [from, to],
    );
    const times = (rs: typeof rows): PickupTimes => ({
      handoffs: rs.length,
      pickups: rs.filter((r) => r.claimed_at).map((r) => Math.max(0, (Date.parse(r.claimed_at!) - Date.parse(r.created_at)) / 1000)),
      unclaimedNotices: rs.filter((r) => r.unclaimed_notice_at).length,
    });
    const byMonth = new Map<string, typeof rows>();
    for (const r of rows) {
      const month = r.created_at.slice(0, 7);
      byMonth.set(month, [...(byMonth.get(month) ?? []), r]);
    }
    return { ...times(rows), months: [...byMonth].map(([month, rs]) => ({ month, ...times(rs) })) };
  }

  private async row(id: string): Promise<Row> {
    const [row] = await this.db.query<Row>(`SELECT * FROM handoffs WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError(`no handoff ${id}`);
    return row;
  }

  /** The handoff, if this agent holds it now. */
  private async held(id: string, agent: Agent): Promise<Row> {
    const row = await this.row(id);
    if (row.status === 'closed') throw new HandoffConflictError('handoff_closed', 'this chat is closed');
    if (row.status !== 'claimed') throw new HandoffConflictError('handoff_not_claimed', 'claim the chat before writing in it');
    if (row.claimed_by !== agent.label) throw new HandoffConflictError('not_holder', `this chat is held by ${row.claimed_by}`);
    return row;
  }

  /** A notice to the operator in their language, kept in the chat's messages as the bot's. */
  private async tellOperator(row: Row, key: LiveMessageKey): Promise<void> {
    const text = liveText(row.language === 'zh' ? 'zh' : ('en' as Lang), key);
    await this.record(String(row.id), 'bot', text);
    const result = await this.deps.delivery.send(String(row.conversation_id), [text]);
    if (result !== 'sent') this.deps.log.warn({ handoff: row.id, result, notice: key }, 'notice not delivered to the operator');
  }

  private async changed(id: string, status: HandoffStatus): Promise<void> {
    await this.hint(id, { kind: 'status', status });
    await this.queueChanged();
  }

  private async hint(id: string, hint: HandoffHint): Promise<void> {
    await this.deps.bus
      .publish(handoffTopic(id), hint)
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'handoff hint not published'));
  }
}

const agentSender = (agent: Agent): Sender => ({ id: `agent:${agent.label}`, name: 'Service desk' });

function summary(r: Row, now: Date): HandoffSummary {
  const created = Date.parse(String(r.created_at));
  const until = r.claimed_at ? Date.parse(String(r.claimed_at)) : r.closed_at ? Date.parse(String(r.closed_at)) : now.getTime();
  const out: HandoffSummary = {
    id: String(r.id),
    status: (ACTIVE as readonly string[]).includes(String(r.status)) || r.status === 'closed' ? (r.status as HandoffStatus) : 'open',
    createdAt: String(r.created_at),
    conversationId: String(r.conversation_id),
    channel: String(r.channel),
    language: String(r.language),
    reason: String(r.reason),
    priority: r.priority === 'urgent' ? 'urgent' : 'normal',
    waitedSeconds: Math.max(0, Math.round((until - created) / 1000)),
    transcript: JSON.parse(String(r.transcript ?? '[]')) as HandoffSummary['transcript'],
  };
  const optional: [keyof HandoffSummary, unknown][] = [
    ['productLine', r.product_line],
    ['faultId', r.fault_id],
    ['callbackPhone', r.callback_phone],
    ['claimedBy', r.claimed_by],
    ['claimedAt', r.claimed_at],
    ['closedAt', r.closed_at],
    ['releasedTo', r.released_to],
    ['unclaimedNoticeAt', r.unclaimed_notice_at],
    ['ticketId', r.ticket_id],
  ];
  for (const [k, v] of optional) if (v !== null && v !== undefined) (out as Record<string, unknown>)[k] = String(v);
  return out;
}
