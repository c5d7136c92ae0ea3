import type { Database } from '../storage/database.js';

/**
 * Counts over time for the reports page: how triage ended (self-service resolution),
 * how often the engine abstained, and knowledge gaps opened and closed. Buckets are
 * calendar months (YYYY-MM) of the UTC timestamps.
 */

const month = (iso: string) => iso.slice(0, 7);

/** Suggestions are counted in memory and written once in a while: one upsert per day and channel, not one per request. */
export class SuggestionCounter {
  private pending = new Map<string, { total: number; abstained: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly flushMs = 30_000,
  ) {}

  count(channel: string, abstained: boolean, at: Date = new Date()): void {
    const key = `${at.toISOString().slice(0, 10)}|${channel}`;
    const c = this.pending.get(key) ?? { total: 0, abstained: 0 };
    c.total++;
    if (abstained) c.abstained++;
    this.pending.set(key, c);
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), this.flushMs).unref();
  }

  /** Adds the pending counts to the table (safe with several instances: each adds its own). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (!batch.size) return;
    try {
      await this.db.transaction(
        async (tx) => {
          for (const [key, c] of batch) {
            const [day, channel] = key.split('|') as [string, string];
            await tx.run(
              `INSERT INTO suggestion_counts (day, channel, total, abstained) VALUES ($1, $2, $3, $4)
             ON CONFLICT (day, channel) DO UPDATE SET total = suggestion_counts.total + excluded.total, abstained = suggestion_counts.abstained + excluded.abstained`,
              [day, channel, c.total, c.abstained],
            );
          }
        },
        { durable: false },
      );
    } catch (err) {
      // The store is away: keep the counts for the next try rather than lose them.
      for (const [key, c] of batch) {
        const p = this.pending.get(key) ?? { total: 0, abstained: 0 };
        this.pending.set(key, { total: p.total + c.total, abstained: p.abstained + c.abstained });
      }
      throw err;
    }
  }
}

export interface SelfServiceMonth {
  month: string;
  resolved: number;
  resolvedByPhone: number;
  escalated: number;
  handedOff: number;
  /** Of the triages that ended, the share resolved without a technician (bot or phone). */
  selfServiceRate: number | null;
  suggestions: number;
  abstained: number;
  abstentionRate: number | null;
}

export async function selfServiceTrend(db: Database, from: string, to: string): Promise<SelfServiceMonth[]> {
  const outcomes = await db.query<{ created_at: string; outcome: string }>(
    `SELECT created_at, outcome FROM triage_outcomes WHERE created_at >= $1 AND created_at < $2`,
    [from, to],
  );
  const counts = await db.query<{ day: string; total: number | string; abstained: number | string }>(
    `SELECT day, total, abstained FROM suggestion_counts WHERE day >= $1 AND day < $2`,
    [from.slice(0, 10), to.slice(0, 10)],
  );
  const rows = new Map<string, SelfServiceMonth>();
  const row = (m: string) =>
    rows.get(m) ??
    rows
      .set(m, {
        month: m,
        resolved: 0,
        resolvedByPhone: 0,
        escalated: 0,
        handedOff: 0,
        selfServiceRate: null,
        suggestions: 0,
        abstained: 0,
        abstentionRate: null,
      })
      .get(m)!;
  for (const m of months(from, to)) row(m);
  for (const o of outcomes) {
    const r = row(month(o.created_at));
    if (o.outcome === 'resolved') r.resolved++;
    else if (o.outcome === 'resolved-by-phone') r.resolvedByPhone++;
    else if (o.outcome === 'escalated') r.escalated++;
    else if (o.outcome === 'handed-off') r.handedOff++;
  }
  for (const c of counts) {
    const r = row(month(c.day));
    r.suggestions += Number(c.total);
    r.abstained += Number(c.abstained);
  }
  for (const r of rows.values()) {
    const ended = r.resolved + r.resolvedByPhone + r.escalated + r.handedOff;
    r.selfServiceRate = ended ? round((r.resolved + r.resolvedByPhone) / ended) : null;
    r.abstentionRate = r.suggestions ? round(r.abstained / r.suggestions) : null;
  }
  return [...rows.values()].sort((a, b) => a.month.localeCompare(b.month));
}

export async function gapTrend(
  db: Database,
  from: string,
  to: string,
): Promise<{ month: string; opened: number; accepted: number; rejected: number }[]> {
  const opened = await db.query<{ created_at: string }>(
    `SELECT created_at FROM knowledge_gaps WHERE created_at >= $1 AND created_at < $2`,
    [from, to],
  );
  const closed = await db.query<{ resolved_at: string; status: string }>(
    `SELECT resolved_at, status FROM knowledge_gaps WHERE resolved_at >= $1 AND resolved_at < $2`,
    [from, to],
  );
  const rows = new Map(months(from, to).map((m) => [m, { month: m, opened: 0, accepted: 0, rejected: 0 }]));
  const row = (m: string) => rows.get(m) ?? rows.set(m, { month: m, opened: 0, accepted: 0, rejected: 0 }).get(m)!;
  for (const g of opened) row(month(g.created_at)).opened++;
  for (const g of closed) {
    if (g.status === 'accepted') row(month(g.resolved_at)).accepted++;
    else if (g.status === 'rejected') row(month(g.resolved_at)).rejected++;
  }
  return [...rows.values()].sort((a, b) => a.month.localeCompare(b.month));
}

/** Every month touched by [from, to). */
function months(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const end = month(new Date(Date.parse(to) - 1).toISOString());
  for (let guard = 0; guard < 240; guard++) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= end) break;
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
