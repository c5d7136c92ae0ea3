/** The triage records a conversation leaves: handoff requests to a person, outcomes (resolved, escalated, handed off …) and transcript lines. Used by the dialogs (through their deps), the panel's API and reports. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../storage/database.js';

export interface TranscriptLine {
  from: 'user' | 'bot';
  text: string;
  at: string;
}

/** How soon a person must take the conversation: danger or a machine that is down is urgent. */
export type HandoffPriority = 'urgent' | 'normal';

export interface HandoffRequest {
  conversationId: string;
  channel: string;
  language: string;
  productLine?: string;
  faultId?: string;
  reason: string;
  priority?: HandoffPriority;
  transcript: TranscriptLine[];
}

/** Requests for a person: the call center's queue. One open request per conversation. */
export class HandoffStore {
  constructor(private readonly db: Database) {}

  async open(req: HandoffRequest): Promise<{ id: string; created: boolean }> {
    const priority = req.priority ?? 'normal';
    const [existing] = await this.db.query<{ id: string; priority: string }>(
      `SELECT id, priority FROM handoffs WHERE conversation_id = $1 AND status IN ('open', 'claimed')`,
      [req.conversationId],
    );
    if (existing) {
      // An emergency in a conversation already waiting makes its request urgent.
      if (priority === 'urgent' && existing.priority !== 'urgent')
        await this.db.run(`UPDATE handoffs SET priority = 'urgent' WHERE id = $1`, [existing.id]);
      return { id: existing.id, created: false };
    }
    const id = randomUUID();
    await this.db.run(
      `INSERT INTO handoffs (id, created_at, conversation_id, channel, language, product_line, fault_id, reason, transcript, status, priority)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)`,
      [
        id,
        new Date().toISOString(),
        req.conversationId,
        req.channel,
        req.language,
        req.productLine ?? null,
        req.faultId ?? null,
        req.reason,
        JSON.stringify(req.transcript),
        priority,
      ],
    );
    return { id, created: true };
  }

  async list(status = 'open'): Promise<(HandoffRequest & { id: string; createdAt: string; status: string })[]> {
    const rows = await this.db.query<Record<string, string>>(`SELECT * FROM handoffs WHERE status = $1 ORDER BY created_at`, [status]);
    return rows.map((r) => ({
      id: r.id!,
      createdAt: r.created_at!,
      status: r.status!,
      conversationId: r.conversation_id!,
      channel: r.channel!,
      language: r.language!,
      productLine: r.product_line ?? undefined,
      faultId: r.fault_id ?? undefined,
      reason: r.reason!,
      priority: r.priority === 'urgent' ? 'urgent' : 'normal',
      transcript: JSON.parse(r.transcript!) as TranscriptLine[],
    }));
  }
}

export type Outcome = 'resolved' | 'resolved-by-phone' | 'escalated' | 'handed-off' | 'abandoned';

/** How each triage ended: self-service success rates per fault are read from here. */
export class OutcomeStore {
  constructor(
    private readonly db: Database,
    private readonly onRecord: (outcome: Outcome) => void = () => undefined,
  ) {}

  async record(o: {
    conversationId: string;
    productLine?: string;
    faultId?: string;
    outcome: Outcome;
    steps: unknown[];
    ticketId?: string;
  }) {
    await this.db.run(
      `INSERT INTO triage_outcomes (id, created_at, conversation_id, product_line, fault_id, outcome, steps, ticket_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        randomUUID(),
        new Date().toISOString(),
        o.conversationId,
        o.productLine ?? null,
        o.faultId ?? null,
        o.outcome,
        JSON.stringify(o.steps),
        o.ticketId ?? null,
      ],
    );
    this.onRecord(o.outcome);
  }

  async list(conversationId: string): Promise<{ outcome: Outcome; fault_id: string | null; ticket_id: string | null }[]> {
    return this.db.query(`SELECT outcome, fault_id, ticket_id FROM triage_outcomes WHERE conversation_id = $1 ORDER BY created_at`, [
      conversationId,
    ]);
  }
}
