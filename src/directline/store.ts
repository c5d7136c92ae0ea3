import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import type { Database } from '../storage/database.js';

/** A conversation's token opens it for a working day; a new chat gets a new token. */
export const TOKEN_VALID_MS = 24 * 3600_000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Direct Line conversations and their activity log in the shared database, so any
 * instance can accept a post or answer a poll. The watermark is the activity's
 * sequence number in its conversation.
 */
export class DirectLineStore {
  constructor(
    private readonly db: Database,
    /** Told after each committed append (the streams' bus hint: see stream.ts). */
    private readonly appended: (conversationId: string) => void = () => undefined,
  ) {}

  /** A new conversation and the token that opens it (only its hash is stored). */
  async create(now = new Date()): Promise<{ conversationId: string; token: string; expiresInSeconds: number }> {
    const conversationId = randomUUID();
    const token = `${conversationId}.${randomBytes(24).toString('base64url')}`;
    const at = now.toISOString();
    await this.db.run(
      `INSERT INTO directline_conversations (id, token_hash, created_at, next_seq, token_expires_at, last_active_at) VALUES ($1, $2, $3, 0, $4, $3)`,
      [conversationId, hash(token), at, new Date(now.getTime() + TOKEN_VALID_MS).toISOString()],
    );
    return { conversationId, token, expiresInSeconds: TOKEN_VALID_MS / 1000 };
  }

  /** The conversation a token opens and the token's true remaining life, or undefined for an unknown or expired token. */
  async session(token: string, now = new Date()): Promise<{ conversationId: string; expiresInSeconds: number } | undefined> {
    const [row] = await this.db.query<{ id: string; created_at: string; token_expires_at: string | null }>(
      `SELECT id, created_at, token_expires_at FROM directline_conversations WHERE token_hash = $1`,
      [hash(token)],
    );
    if (!row) return undefined;
    // Conversations from before migration 006 have no expiry column: a day from their start.
    const expires = row.token_expires_at ? Date.parse(row.token_expires_at) : Date.parse(row.created_at) + TOKEN_VALID_MS;
    const left = Math.floor((expires - now.getTime()) / 1000);
    return left > 0 ? { conversationId: row.id, expiresInSeconds: left } : undefined;
  }

  async conversationOf(token: string, now = new Date()): Promise<string | undefined> {
    return (await this.session(token, now))?.conversationId;
  }

  /** Extends a valid token to a full lifetime from now (Direct Line's refresh); undefined if it is unknown or expired. */
  async refresh(token: string, now = new Date()): Promise<{ conversationId: string; expiresInSeconds: number } | undefined> {
    const current = await this.session(token, now);
    if (!current) return undefined;
    await this.db.run(`UPDATE directline_conversations SET token_expires_at = $1 WHERE token_hash = $2`, [
      new Date(now.getTime() + TOKEN_VALID_MS).toISOString(),
      hash(token),
    ]);
    return { conversationId: current.conversationId, expiresInSeconds: TOKEN_VALID_MS / 1000 };
  }

  async append(conversationId: string, activity: Partial<Activity>): Promise<Partial<Activity>> {
    return (await this.appendAll(conversationId, [activity]))[0]!;
  }

  /** Appends activities in order, in one transaction; ids default to conversation|sequence. */
  async appendAll(conversationId: string, activities: Partial<Activity>[]): Promise<Partial<Activity>[]> {
    const stored = await this.db.transaction(
      async (tx) => {
        const [row] = await tx.query<{ next_seq: number }>(
          `UPDATE directline_conversations SET next_seq = next_seq + $2, last_active_at = $3 WHERE id = $1 RETURNING next_seq`,
          [conversationId, activities.length, new Date().toISOString()],
        );
        if (!row) throw new Error(`no Direct Line conversation ${conversationId}`);
        const first = Number(row.next_seq) - activities.length + 1;
        const stored = activities.map((activity, i) => ({
          ...activity,
          id: activity.id ?? `${conversationId}|${String(first + i).padStart(7, '0')}`,
          timestamp: activity.timestamp ?? new Date(),
        }));
        // All of the turn's activities in one statement.
        const rows = stored.map((_, i) => `($1, $${2 * i + 2}, $${2 * i + 3})`).join(', ');
        await tx.run(`INSERT INTO directline_activities (conversation_id, seq, activity) VALUES ${rows}`, [
          conversationId,
          ...stored.flatMap((a, i) => [first + i, JSON.stringify(a)]),
        ]);
        return stored;
      },
      { durable: false },
    );
    this.appended(conversationId);
    return stored;
  }

  /** The key stream tickets of this conversation are signed with (its token's hash: secret, shared by every instance). */
  async streamKey(conversationId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ token_hash: string }>(`SELECT token_hash FROM directline_conversations WHERE id = $1`, [
      conversationId,
    ]);
    return row?.token_hash;
  }

  /**
   * A secret of the conversation that every instance knows (the hash of its token, never
   * sent anywhere): it signs the attachment links handed to that conversation's browser.
   */
  async signingKey(conversationId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ token_hash: string }>(`SELECT token_hash FROM directline_conversations WHERE id = $1`, [
      conversationId,
    ]);
    return row?.token_hash;
  }

  /** Whether the id is one of this endpoint's conversations (they are bound to this channel). */
  async exists(conversationId: string): Promise<boolean> {
    const [row] = await this.db.query(`SELECT 1 AS one FROM directline_conversations WHERE id = $1`, [conversationId]);
    return row !== undefined;
  }

  /** True until the conversation's first activity is stored. */
  async isNew(conversationId: string): Promise<boolean> {
    const [row] = await this.db.query<{ next_seq: number }>(`SELECT next_seq FROM directline_conversations WHERE id = $1`, [
      conversationId,
    ]);
    return row !== undefined && Number(row.next_seq) === 0;
  }

  async since(conversationId: string, watermark: number): Promise<{ activities: Partial<Activity>[]; watermark: number }> {
    const rows = await this.db.query<{ seq: number; activity: string }>(
      `SELECT seq, activity FROM directline_activities WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT 200`,
      [conversationId, watermark],
    );
    const last = rows.at(-1);
    return { activities: rows.map((r) => JSON.parse(r.activity) as Partial<Activity>), watermark: last ? Number(last.seq) : watermark };
  }
}

export const newActivityId = () => randomUUID();
