import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Activity } from 'botbuilder';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { Bus, BusData } from '../live/bus.js';
import type { DirectLineStore } from './store.js';

/**
 * Direct Line 3.0 streaming, as Web Chat (botframework-directlinejs) uses it by default:
 * the conversation's `streamUrl` opens a WebSocket on which the service pushes activity
 * sets `{activities, watermark}` — the same JSON as a GET …/activities answer — from the
 * watermark in the URL on, then every new activity as it is stored. An empty message is a
 * keep-alive (the client ignores it, and sends empty ones itself every 20 s, which we
 * ignore); the stream is one-way: activities are posted over HTTP as with polling.
 *
 * The URL carries a stream ticket, not the conversation's token: a ticket opens only this
 * conversation's stream, lives a few minutes (the client fetches a new URL from
 * GET /conversations/:id whenever it reconnects) and is an HMAC keyed by the token's hash,
 * which every instance reads from the store — so any instance can open the socket.
 *
 * Activities reach the socket through the bus: every append to a conversation's log
 * publishes a hint on `dl:<conversation>`, and the instance holding that conversation's
 * socket reads what is new from the store. Typing indicators, which are not stored, travel
 * in the hint itself.
 */

export const STREAM_TICKET_TTL_MS = 5 * 60_000;
/** Empty keep-alive messages (Azure's Direct Line sends them too) and a ping to find dead peers. */
const KEEPALIVE_MS = 15_000;
/** Every few keep-alives the socket also reads the log: a safety net for a hint lost between instances. */
const RESCAN_EVERY = 4;
/** A client that does not read (its socket buffers this much) is dropped; it reconnects with its watermark. */
const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;
/** Sockets one conversation may hold on one instance (tabs of one chat); the oldest gives way. */
const MAX_SOCKETS_PER_CONVERSATION = 4;

export const directLineTopic = (conversationId: string) => `dl:${conversationId}`;

/** What travels on a conversation's topic: "look in the log" or a typing indicator to pass on. */
export type DirectLineHint = { kind: 'activities' } | { kind: 'typing'; activity: Partial<Activity> };

const mac = (key: string, conversationId: string, expires: number) =>
  createHmac('sha256', key).update(`${conversationId}.${expires}`).digest('base64url');

/** A stream ticket for the conversation, valid for STREAM_TICKET_TTL_MS. */
export function streamTicket(key: string, conversationId: string, now = Date.now()): string {
  const expires = Math.floor((now + STREAM_TICKET_TTL_MS) / 1000);
  return `${expires}.${mac(key, conversationId, expires)}`;
}

/** Whether a ticket is this conversation's and still valid (constant-time comparison). */
export function checkStreamTicket(key: string, conversationId: string, ticket: string, now = Date.now()): boolean {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
  if (!m) return false;
  const expires = Number(m[1]);
  if (expires * 1000 < now) return false;
  const expected = Buffer.from(mac(key, conversationId, expires));
  const given = Buffer.from(m[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The streamUrl for a conversation, as seen from the request's host (ws, or wss behind TLS). */
export function streamUrl(base: { secure: boolean; host: string }, conversationId: string, ticket: string, watermark?: number): string {
  const scheme = base.secure ? 'wss' : 'ws';
  const query = new URLSearchParams({ watermark: watermark === undefined ? '' : String(watermark), t: ticket });
  return `${scheme}://${base.host}/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream?${query.toString()}`;
}

const STREAM_PATH = /^\/v3\/directline\/conversations\/([^/?#]{1,200})\/stream$/;

export interface DirectLineStreamDeps {
  store: () => DirectLineStore | undefined;
  bus: Bus;
  log: Logger;
  /** Checked before the upgrade is accepted (rate limits); throws to refuse. */
  admit?: (req: IncomingMessage) => Promise<void>;
}

/**
 * The WebSocket side of the local Direct Line: matches `/v3/directline/conversations/:id/stream`
 * upgrades, checks the ticket, and runs one StreamSession per socket.
 */
export class DirectLineStreams {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly sessions = new Map<string, Set<StreamSession>>();

  constructor(private readonly deps: DirectLineStreamDeps) {}

  /** The conversation id if this upgrade is a Direct Line stream, else undefined. */
  static match(pathname: string): string | undefined {
    const m = STREAM_PATH.exec(pathname);
    if (!m) return undefined;
    try {
      return decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
  }

  /** Handles an upgrade for `conversationId`; answers 401/404/503 over HTTP when it cannot open the stream. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, conversationId: string, url: URL): Promise<void> {
    const store = this.deps.store();
    if (!store) return refuse(socket, 503, 'the bot is still starting');
    try {
      await this.deps.admit?.(req);
    } catch (err) {
      return refuse(socket, 429, (err as Error).message);
    }
    const key = await store.streamKey(conversationId).catch(() => undefined);
    if (!key || !checkStreamTicket(key, conversationId, url.searchParams.get('t') ?? '')) {
      // 403 is what Direct Line answers an expired token; the client then fetches a new streamUrl.
      return refuse(socket, 403, 'this stream ticket does not open that conversation (or has expired)');
    }
    const w = url.searchParams.get('watermark') ?? '';
    const watermark = /^\d{1,12}$/.test(w) ? Number(w) : 0;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, store, conversationId, watermark));
  }

  private open(ws: WebSocket, store: DirectLineStore, conversationId: string, watermark: number): void {
    const set = this.sessions.get(conversationId) ?? new Set<StreamSession>();
    this.sessions.set(conversationId, set);
    if (set.size >= MAX_SOCKETS_PER_CONVERSATION) [...set][0]!.close(4001, 'too many streams for this conversation');
    const session = new StreamSession(ws, store, conversationId, watermark, this.deps.bus, this.deps.log, () => {
      set.delete(session);
      if (set.size === 0 && this.sessions.get(conversationId) === set) this.sessions.delete(conversationId);
    });
    set.add(session);
  }

  /** Open sockets on this instance (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.size;
    return n;
  }

  close(): void {
    for (const set of this.sessions.values()) for (const s of set) s.close(1001, 'server shutting down');
    this.wss.close();
  }
}

/** One client's socket: pushes what the log holds after the client's watermark, then what arrives. */
class StreamSession {
  private sent: number;
  private pumping: Promise<void> = Promise.resolve();
  private pending = false;
  private closed = false;
  private alive = true;
  private ticks = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly ws: WebSocket,
    private readonly store: DirectLineStore,
    private readonly conversationId: string,
    watermark: number,
    bus: Bus,
    private readonly log: Logger,
    private readonly onClosed: () => void,
  ) {
    this.sent = watermark;
    this.unsubscribe = [bus.subscribe(directLineTopic(conversationId), (data) => this.onHint(data)), bus.onResync(() => this.pump())];
    ws.on('pong', () => (this.alive = true));
    // Client messages are keep-alives (empty) or nothing we act on: the stream is one-way.
    ws.on('message', () => undefined);
    ws.on('error', (err) => this.log.debug({ err: err.message }, 'Direct Line stream error'));
    ws.on('close', () => this.shutdown());
    this.timer = setInterval(() => this.keepAlive(), KEEPALIVE_MS);
    this.timer.unref();
    this.pump();
  }

  private onHint(data: BusData): void {
    const hint = data as DirectLineHint;
    if (hint?.kind === 'typing') this.send({ activities: [hint.activity] });
    else this.pump();
  }

  /** Reads and sends everything after the last sent watermark; runs one at a time, coalescing hints that arrive meanwhile. */
  private pump(): void {
    if (this.closed) return;
    if (this.pending) return;
    this.pending = true;
    this.pumping = this.pumping.then(async () => {
      this.pending = false;
      try {
        for (let pages = 0; pages < 50 && !this.closed; pages++) {
          const page = await this.store.since(this.conversationId, this.sent);
          if (page.activities.length === 0) return;
          this.sent = page.watermark;
          this.send({ activities: page.activities, watermark: String(page.watermark) });
        }
      } catch (err) {
        // The store is down for a moment: the next hint or keep-alive rescan tries again.
        this.log.warn({ err: (err as Error).message }, 'Direct Line stream could not read the log');
      }
    });
  }

  private send(message: unknown | ''): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) return this.close(4002, 'client is not reading');
    this.ws.send(message === '' ? '' : JSON.stringify(message));
  }

  private keepAlive(): void {
    if (!this.alive) return void this.ws.terminate();
    this.alive = false;
    this.ws.ping();
    this.send('');
    if (++this.ticks % RESCAN_EVERY === 0) this.pump();
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
    this.shutdown();
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const u of this.unsubscribe) u();
    this.onClosed();
  }
}

/** Answers an upgrade request over plain HTTP (the one error envelope) and closes the socket. */
export function refuse(socket: Duplex, status: number, message: string, code?: string): void {
  const body = JSON.stringify({
    code: code ?? (status === 403 ? 'forbidden' : status === 429 ? 'rate_limited' : status === 404 ? 'not_found' : 'store_unavailable'),
    error: message,
  });
  const reason =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[
      status
    ] ?? 'Error';
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}${status === 503 ? '\r\nRetry-After: 5' : ''}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
