import type { Lang } from '../language/languages.js';
import type { ConversationReference } from 'botbuilder';
import type { Database } from '../storage/database.js';

export type { Lang };

/** A conversation the bot can write to outside a turn: its Bot Framework reference and language. */
export interface KnownConversation {
  conversationId: string;
  channelId: string;
  reference: Partial<ConversationReference>;
  language?: Lang;
}

/** How many references this instance remembers having written, to skip unchanged rewrites. */
const CACHE = 5000;

/**
 * Every conversation's Bot Framework conversation reference (channel, serviceUrl, bot,
 * user, conversation) and language, kept from its latest turn: what a proactive
 * message — an agent's reply, a ticket update — needs to reach it, on any instance.
 */
export class ConversationDirectory {
  private readonly written = new Map<string, string>();

  constructor(private readonly db: Database) {}

  /** Upserts the reference (only when it changed since this instance last wrote it). */
  async remember(reference: Partial<ConversationReference>, language?: Lang): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId || !reference.channelId) return;
    // The activity id changes every turn and is not needed to start a new message.
    const { activityId: _turn, ...ref } = reference;
    const doc = JSON.stringify(ref);
    const line = `${doc}\u0001${language ?? ''}`;
    if (this.written.get(conversationId) === line) return;
    await this.db.run(
      `INSERT INTO conversation_refs (conversation_id, channel_id, reference, language, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (conversation_id) DO UPDATE SET channel_id = $2, reference = $3, language = COALESCE($4, conversation_refs.language), updated_at = $5`,
      [conversationId, reference.channelId, doc, language ?? null, new Date().toISOString()],
      { durable: false },
    );
    this.written.delete(conversationId);
    this.written.set(conversationId, line);
    if (this.written.size > CACHE) this.written.delete(this.written.keys().next().value!);
  }

  async get(conversationId: string): Promise<KnownConversation | undefined> {
    const [row] = await this.db.query<{ conversation_id: string; channel_id: string; reference: string; language: string | null }>(
      `SELECT conversation_id, channel_id, reference, language FROM conversation_refs WHERE conversation_id = $1`,
      [conversationId],
    );
    if (!row) return undefined;
    return {
      conversationId: row.conversation_id,
      channelId: row.channel_id,
      reference: JSON.parse(row.reference) as Partial<ConversationReference>,
      language: row.language === 'zh' || row.language === 'en' ? row.language : undefined,
    };
  }

  /**
   * The conversation a ticket came from: tickets opened by the bot (and from a live chat)
   * carry `reference` = "<channel>:<conversation id>".
   */
  async ofTicketReference(reference: string | undefined): Promise<KnownConversation | undefined> {
    const m = /^([A-Za-z0-9._-]{1,50}):(.+)$/.exec(reference ?? '');
    if (!m) return undefined;
    const known = await this.get(m[2]!);
    return known && known.channelId === m[1] ? known : undefined;
  }
}
