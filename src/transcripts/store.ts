import type { Activity, PagedResult, TranscriptInfo, TranscriptStore } from 'botbuilder';
import type { Logger } from 'pino';
import type { Database } from '../storage/database.js';

/** Longest text kept per activity (the bot cuts messages at 10 000 characters too). */
const MAX_TEXT = 10_000;
/** Activities per page of getTranscriptActivities. */
const PAGE = 200;
/** Most transcript lines written in one statement. */
const MAX_BATCH = 100;

interface Line {
  params: unknown[];
  done: () => void;
}

/**
 * botbuilder's TranscriptStore in the shared database, fed by its TranscriptLoggerMiddleware
 * on every adapter (Direct Line, and /api/messages for Teams, telephony, the Emulator …),
 * so a conversation reads the same whatever channel it came through and whichever
 * instance served each turn.
 *
 * What is kept of an activity is what a person reading the conversation needs: who, when,
 * the text, an event's name and small value (a shared position), attachments by type and
 * name with the media ids the server itself put in channelData (never their URLs, which
 * carry signatures, nor card bodies).
 *
 * Order: the middleware logs a turn's activities in order but does not wait for the writes,
 * so each gets a sequence number when it is logged (microseconds of the wall clock, kept
 * strictly increasing in this process); turns of one conversation follow each other in
 * time, so the sequence orders them across instances too.
 *
 * Writes: the lines logged while the previous write was under way (a turn's activities,
 * and other conversations' turns at the same moment) go in one relaxed statement, so a
 * turn costs one round trip on one connection rather than a transaction per activity,
 * each on a connection of its own.
 */
export class DbTranscriptStore implements TranscriptStore {
  private last = 0;
  private pending: Line[] = [];
  private writing = false;

  constructor(
    private readonly db: Database,
    private readonly log?: Logger,
  ) {}

  private nextSeq(): number {
    this.last = Math.max(Date.now() * 1000, this.last + 1);
    return this.last;
  }

  logActivity(activity: Activity): Promise<void> {
    const channelId = activity.channelId;
    const conversationId = activity.conversation?.id;
    if (!channelId || !conversationId) return Promise.resolve();
    const seq = this.nextSeq();
    const kept = keep(activity);
    return new Promise<void>((done) => {
      this.pending.push({
        params: [channelId.slice(0, 100), conversationId.slice(0, 300), seq, kept.timestamp, JSON.stringify(kept)],
        done,
      });
      // After the current turn's other lines have been logged (the middleware logs them in one go).
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.write());
      }
    });
  }

  /** Writes what is pending, batch after batch, until nothing is; a failure never fails a turn. */
  private async write(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.insert(batch);
      } catch {
        // One bad line must not take its neighbours (other conversations') with it: one by one.
        for (const line of batch) {
          await this.insert([line]).catch((err: Error) =>
            // A transcript line lost must never fail the turn; the conversation itself went on.
            this.log?.warn({ err: err.message, channel: line.params[0] }, 'transcript line not kept'),
          );
        }
      }
      for (const l of batch) l.done();
    }
    this.writing = false;
  }

  private async insert(lines: Line[]): Promise<void> {
    const rows = lines.map((_, i) => `($${5 * i + 1}, $${5 * i + 2}, $${5 * i + 3}, $${5 * i + 4}, $${5 * i + 5})`).join(', ');
    await this.db.run(
      `INSERT INTO transcript_activities (channel_id, conversation_id, seq, at, activity) VALUES ${rows} ON CONFLICT DO NOTHING`,
      lines.flatMap((l) => l.params),
      { durable: false },
    );
  }

  async getTranscriptActivities(
    channelId: string,
    conversationId: string,
    continuationToken?: string,
    startDate?: Date,
  ): Promise<PagedResult<Activity>> {
    const after = continuationToken && /^\d+$/.test(continuationToken) ? Number(continuationToken) : 0;
    const rows = await this.db.query<{ seq: number | string; activity: string }>(
      `SELECT seq, activity FROM transcript_activities WHERE channel_id = $1 AND conversation_id = $2 AND seq > $3 AND at >= $4 ORDER BY seq LIMIT ${PAGE}`,
      [channelId, conversationId, after, (startDate ?? new Date(0)).toISOString()],
    );
    const items = rows.map((r) => JSON.parse(r.activity) as Activity);
    return { items, continuationToken: rows.length === PAGE ? String(rows.at(-1)!.seq) : '' };
  }

  /** Every activity of a conversation, oldest first, up to `max`. */
  async all(channelId: string, conversationId: string, max: number): Promise<Activity[]> {
    const out: Activity[] = [];
    let token: string | undefined;
    do {
      const page = await this.getTranscriptActivities(channelId, conversationId, token);
      out.push(...page.items);
      token = page.continuationToken || undefined;
    } while (token && out.length < max);
    return out.slice(0, max);
  }

  async listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    const rows = await this.db.query<{ conversation_id: string; created: string }>(
      `SELECT conversation_id, MIN(at) AS created FROM transcript_activities WHERE channel_id = $1 AND conversation_id > $2
       GROUP BY conversation_id ORDER BY conversation_id LIMIT ${PAGE}`,
      [channelId, continuationToken ?? ''],
    );
    return {
      items: rows.map((r) => ({ channelId, id: r.conversation_id, created: new Date(r.created) })),
      continuationToken: rows.length === PAGE ? rows.at(-1)!.conversation_id : '',
    };
  }

  async deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    await this.db.transaction((tx) =>
      tx.run(`DELETE FROM transcript_activities WHERE channel_id = $1 AND conversation_id = $2`, [channelId, conversationId]),
    );
  }
}

/** The part of an activity a transcript keeps (see the class comment). */
function keep(a: Activity): Partial<Activity> & { timestamp: string } {
  const media = (a.channelData as { media?: { id?: unknown }[] } | undefined)?.media;
  const value = a.type === 'event' && a.value !== undefined ? JSON.stringify(a.value) : undefined;
  return {
    type: a.type,
    ...(a.id ? { id: String(a.id).slice(0, 200) } : {}),
    ...(a.name ? { name: String(a.name).slice(0, 100) } : {}),
    timestamp: new Date(a.timestamp ?? Date.now()).toISOString(),
    // The logger marks the incoming activity's sender as the user when the channel did not: what has no role is the bot's.
    from: { id: String(a.from?.id ?? '').slice(0, 200), name: String(a.from?.name ?? '').slice(0, 200), role: a.from?.role ?? 'bot' },
    ...(typeof a.text === 'string' ? { text: a.text.slice(0, MAX_TEXT) } : {}),
    ...(value && value.length <= 1000 ? { value: JSON.parse(value) as unknown } : {}),
    ...(a.attachments?.length
      ? {
          attachments: a.attachments.map((x) => ({
            contentType: String(x.contentType ?? '').slice(0, 100),
            ...(x.name ? { name: String(x.name).slice(0, 200) } : {}),
          })),
        }
      : {}),
    ...(Array.isArray(media) ? { channelData: { media: media.map((m) => ({ id: String(m.id ?? '') })) } } : {}),
  } as Partial<Activity> & { timestamp: string };
}
