import type { Logger } from 'pino';
import type { Database } from './database.js';

export interface RetentionSettings {
  /** Anonymous conversations (bot state, conversation references, transcripts) idle this long are purged. */
  conversationDays: number;
  /** Local Direct Line conversations and their activity logs idle this long are purged. */
  directLineLogDays: number;
  /** How often each instance sweeps. */
  sweepMs: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { conversationDays: 30, directLineLogDays: 30, sweepMs: 60 * 60 * 1000 };

export interface Purged {
  botState: number;
  conversationRefs: number;
  transcriptActivities: number;
  directLineConversations: number;
  directLineActivities: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A conversation that led to a ticket is kept: the ticket's transcript (GET
 * /api/tickets/:id/transcript) and its notices read it. The bot's tickets carry the
 * conversation in their idempotency key, `bot:<conversation id>:<n>` (src/tickets/service.ts);
 * LIKE's wildcards in an id can only make it keep more.
 */
const HAS_TICKET = (conversationId: string) =>
  `EXISTS (SELECT 1 FROM tickets WHERE tickets.idempotency_key LIKE 'bot:' || ${conversationId} || ':%')`;

/**
 * Retention of what strangers leave behind: anonymous conversations and Direct Line logs
 * are deleted once idle longer than their configured age, unless a ticket came of them
 * (tickets keep their transcript). Every instance sweeps (deletes are idempotent); a
 * failed sweep is logged and tried again at the next interval.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Database,
    private readonly settings: RetentionSettings,
    private readonly log?: Logger,
  ) {}

  async sweep(now = new Date()): Promise<Purged> {
    const conversations = new Date(now.getTime() - this.settings.conversationDays * DAY_MS).toISOString();
    const directLine = new Date(now.getTime() - this.settings.directLineLogDays * DAY_MS).toISOString();
    const purged: Purged = {
      botState: 0,
      conversationRefs: 0,
      transcriptActivities: 0,
      directLineConversations: 0,
      directLineActivities: 0,
    };
    await this.db.transaction(
      async (tx) => {
        // Where an idle conversation stood; a ticket's conversation keeps its transcript and reference, not its dialog state.
        purged.botState = await tx.run(`DELETE FROM bot_state WHERE updated_at < $1`, [conversations]);
        purged.conversationRefs = await tx.run(
          `DELETE FROM conversation_refs WHERE updated_at < $1 AND NOT ${HAS_TICKET('conversation_refs.conversation_id')}`,
          [conversations],
        );
        purged.transcriptActivities = await tx.run(
          `DELETE FROM transcript_activities WHERE (channel_id, conversation_id) IN (
           SELECT channel_id, conversation_id FROM transcript_activities GROUP BY channel_id, conversation_id HAVING MAX(at) < $1)
         AND NOT ${HAS_TICKET('transcript_activities.conversation_id')}`,
          [conversations],
        );
        const idle = `SELECT id FROM directline_conversations WHERE COALESCE(last_active_at, created_at) < $1 AND NOT ${HAS_TICKET('directline_conversations.id')}`;
        purged.directLineActivities = await tx.run(`DELETE FROM directline_activities WHERE conversation_id IN (${idle})`, [directLine]);
        purged.directLineConversations = await tx.run(`DELETE FROM directline_conversations WHERE id IN (${idle})`, [directLine]);
      },
      { durable: false },
    );
    return purged;
  }

  /** Sweeps now and then every sweepMs, until stop(). */
  start(): void {
    const run = () => {
      this.running = this.sweep()
        .then((p) => {
          if (Object.values(p).some((n) => n > 0)) this.log?.info({ purged: p }, 'retention: idle anonymous conversations purged');
        })
        .catch((err: Error) => this.log?.warn({ err: err.message }, 'retention sweep failed; trying again at the next interval'));
    };
    run();
    this.timer = setInterval(run, this.settings.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
