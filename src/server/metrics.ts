import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EncoderPoolStats } from '../retrieval/embedders/encoder-pool.js';
import type { Database } from '../storage/database.js';

/**
 * Prometheus metrics (prom-client): bot turns and their latency, HTTP latency per
 * route, matches vs abstentions, outcomes (escalations, handoffs, resolutions), and
 * from the store at scrape time, tickets by status and open SLA breaches.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly turns: Counter<'channel'>;
  readonly turnSeconds: Histogram<'channel'>;
  readonly httpSeconds: Histogram<'route' | 'method' | 'status'>;
  readonly suggestions: Counter<'result'>;
  readonly outcomes: Counter<'outcome'>;
  readonly stateConflicts: Counter<'result'>;
  private db: Database | undefined;
  private encoder: (() => EncoderPoolStats) | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'triage_' });
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    this.turns = new Counter({
      name: 'triage_bot_turns_total',
      help: 'Bot turns processed',
      labelNames: ['channel'],
      registers: [this.registry],
    });
    this.turnSeconds = new Histogram({
      name: 'triage_bot_turn_seconds',
      help: 'Bot turn latency',
      labelNames: ['channel'],
      buckets,
      registers: [this.registry],
    });
    this.httpSeconds = new Histogram({
      name: 'triage_http_request_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route', 'method', 'status'],
      buckets,
      registers: [this.registry],
    });
    this.suggestions = new Counter({
      name: 'triage_suggestions_total',
      help: 'Retrieval answers: match or abstain',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.outcomes = new Counter({
      name: 'triage_outcomes_total',
      help: 'How triage ended: resolved, resolved-by-phone, escalated, handed-off',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.stateConflicts = new Counter({
      name: 'triage_bot_state_conflicts_total',
      help: 'Turns whose conversation state another turn saved first: rerun (ran again on fresh state) or given-up (the user was asked to wait)',
      labelNames: ['result'],
      registers: [this.registry],
    });
    const metrics = this;
    new Gauge({
      name: 'triage_tickets',
      help: 'Tickets by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        if (!metrics.db) return;
        this.reset();
        const rows = await metrics.db
          .query<{ status: string; n: number | string }>(`SELECT status, COUNT(*) AS n FROM tickets GROUP BY status`)
          .catch(() => []);
        for (const r of rows) this.set({ status: r.status }, Number(r.n));
      },
    });
    new Gauge({
      name: 'triage_sla_breached_open_tickets',
      help: 'Open tickets with a deadline passed and not met',
      registers: [this.registry],
      async collect() {
        if (!metrics.db) return;
        const [row] = await metrics.db
          .query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM tickets WHERE next_due_at IS NOT NULL AND next_due_at < $1`, [
            new Date().toISOString(),
          ])
          .catch(() => []);
        this.set(Number(row?.n ?? 0));
      },
    });
  }

  attach(db: Database): void {
    this.db = db;
  }

  /** The sentence encoder's pool, read at scrape time: threads, queue, batches, refusals, dropped calls, replaced threads. */
  attachEncoder(stats: () => EncoderPoolStats): void {
    this.encoder = stats;
    const help: Record<keyof EncoderPoolStats, string> = {
      threads: 'Sentence-encoder threads',
      queued: 'Texts waiting for an encoder thread',
      batches: 'Encoder batches run (since start)',
      texts: 'Texts encoded (since start)',
      refusedBusy: 'Encoder calls refused because the queue was full (since start)',
      aborted: 'Encoder calls dropped because the client had gone (since start)',
      late: 'Encoder calls given up because the vectors would have come after the encoder-time budget (answered lexically; since start)',
      replacedThreads: 'Encoder threads replaced after a crash (since start)',
    };
    const metrics = this;
    for (const key of Object.keys(help) as (keyof EncoderPoolStats)[]) {
      const name = `triage_encoder_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
      new Gauge({
        name,
        help: help[key],
        registers: [this.registry],
        collect() {
          if (metrics.encoder) this.set(metrics.encoder()[key]);
        },
      });
    }
  }
}
