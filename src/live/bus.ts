import pg from 'pg';
import type { Logger } from 'pino';

/**
 * The cross-instance bus: short notices ("conversation X has new activities", "the
 * operator is typing", "the queue changed") that reach every server instance, so a
 * message gets to a WebSocket on whichever instance holds it.
 *
 * Notices are hints, never the data: what they announce is already committed in the
 * database, and a subscriber reads it from there (an activity set after a watermark, a
 * handoff's messages after a cursor). A lost notice therefore delays, never loses —
 * and `onResync` tells subscribers to read again after the bus may have missed some
 * (a reconnect). Only typing indicators travel in the notice itself: they are not kept.
 */
export interface Bus {
  /** Delivers `data` (small: PostgreSQL caps a notice at 8000 bytes) to the topic's subscribers on every instance. */
  publish(topic: string, data?: BusData): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(topic: string, handler: (data: BusData) => void): () => void;
  /** Called after the bus may have missed notices (its connection was lost and is back). */
  onResync(handler: () => void): () => void;
  readonly kind: 'in-process' | 'postgres';
  close(): Promise<void>;
}

export type BusData = string | number | boolean | null | { [key: string]: BusData } | BusData[];

/** Most a notice may carry: PostgreSQL's limit is 8000 bytes for channel name and payload together. */
const MAX_NOTICE_BYTES = 7000;

/** Local fan-out shared by both buses: topic → handlers; a throwing handler never stops the others. */
class Subscribers {
  private readonly byTopic = new Map<string, Set<(data: BusData) => void>>();
  private readonly resync = new Set<() => void>();

  constructor(private readonly log?: Logger) {}

  add(topic: string, handler: (data: BusData) => void): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
    };
  }

  addResync(handler: () => void): () => void {
    this.resync.add(handler);
    return () => this.resync.delete(handler);
  }

  deliver(topic: string, data: BusData): void {
    for (const handler of [...(this.byTopic.get(topic) ?? [])]) {
      try {
        handler(data);
      } catch (err) {
        this.log?.warn({ err, topic: topic.split(':')[0] }, 'a bus subscriber failed');
      }
    }
  }

  resynced(): void {
    for (const handler of [...this.resync]) {
      try {
        handler();
      } catch (err) {
        this.log?.warn({ err }, 'a bus resync handler failed');
      }
    }
  }
}

function encode(topic: string, data: BusData | undefined): string {
  const text = JSON.stringify({ topic, data: data ?? null });
  if (Buffer.byteLength(text) > MAX_NOTICE_BYTES)
    throw new Error(`bus notice for ${topic.split(':')[0]} is too large: send a hint and keep the data in the store`);
  return text;
}

/** One process (SQLite deployments): notices go straight to the subscribers, on the next tick. */
export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private readonly subscribers: Subscribers;

  constructor(log?: Logger) {
    this.subscribers = new Subscribers(log);
  }

  async publish(topic: string, data?: BusData): Promise<void> {
    // The same size rule as PostgreSQL, so nothing works here that would fail there.
    const { data: copy } = JSON.parse(encode(topic, data)) as { data: BusData };
    queueMicrotask(() => this.subscribers.deliver(topic, copy));
  }

  subscribe(topic: string, handler: (data: BusData) => void): () => void {
    return this.subscribers.add(topic, handler);
  }

  onResync(handler: () => void): () => void {
    return this.subscribers.addResync(handler);
  }

  async close(): Promise<void> {}
}

/**
 * Several instances on one PostgreSQL: LISTEN/NOTIFY on one channel per schema (NOTIFY is
 * database-wide, and instances of different deployments — or test runs — may share a
 * database in separate schemas). One dedicated connection listens, with an error
 * listener, TCP keepalive and reconnection with backoff; notices are sent through the
 * ordinary pool. An instance hears its own notices too, so local and remote subscribers
 * see the same order.
 */
export class PostgresBus implements Bus {
  readonly kind = 'postgres' as const;
  private readonly subscribers: Subscribers;
  private listener: pg.Client | undefined;
  private closed = false;
  private retryMs = 250;
  private retryTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;

  private constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly notify: (channel: string, payload: string) => Promise<unknown>,
    private readonly log: Logger,
  ) {
    this.subscribers = new Subscribers(log);
  }

  /**
   * Opens the listening connection; `notify` sends through the application's pool
   * (`SELECT pg_notify($1, $2)`), `schema` names the channel.
   */
  static async open(opts: {
    connectionString: string;
    schema: string;
    notify: (channel: string, payload: string) => Promise<unknown>;
    log: Logger;
  }): Promise<PostgresBus> {
    const channel = `triage_live_${opts.schema.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
    const bus = new PostgresBus(opts.connectionString, channel, opts.notify, opts.log);
    await bus.connect();
    return bus;
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.connectionString,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        connectionTimeoutMillis: 5000,
      });
      // Without a listener an error on this connection would end the process.
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client));
      client.on('notification', (n) => {
        if (n.channel !== this.channel || !n.payload) return;
        try {
          const { topic, data } = JSON.parse(n.payload) as { topic: string; data: BusData };
          this.subscribers.deliver(topic, data);
        } catch (err) {
          this.log.warn({ err }, 'unreadable bus notice');
        }
      });
      try {
        await client.connect();
        await client.query(`LISTEN "${this.channel}"`);
      } catch (err) {
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
        throw err;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      this.retryMs = 250;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** The listening connection failed or ended: reconnect with backoff, then tell subscribers to read again. */
  private lost(client: pg.Client, err?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.log.warn({ err: err?.message }, 'bus connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().then(
        () => {
          this.log.info('bus connection back');
          this.subscribers.resynced();
        },
        (err: Error) => {
          this.retryMs = Math.min(this.retryMs * 2, 10_000);
          this.log.warn({ err: err.message, retryMs: this.retryMs }, 'bus reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }

  async publish(topic: string, data?: BusData): Promise<void> {
    await this.notify(this.channel, encode(topic, data));
  }

  subscribe(topic: string, handler: (data: BusData) => void): () => void {
    return this.subscribers.add(topic, handler);
  }

  onResync(handler: () => void): () => void {
    return this.subscribers.addResync(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.listener;
    this.listener = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
