import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { refuse } from '../directline/stream.js';
import type { Bus, BusData } from './bus.js';
import { handoffTopic, QUEUE_TOPIC, type Agent, type HandoffDesk, type HandoffHint } from './handoffs.js';

export const STAFF_SOCKET_PATH = '/api/live';

/** What a panel may send: its key first, then which chats it shows, and that its agent is typing. */
const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), key: z.string().min(1).max(500) }),
  z.object({ type: z.literal('watch'), handoffs: z.array(z.string().uuid()).max(20) }),
  z.object({ type: z.literal('typing'), handoff: z.string().uuid() }),
]);

/** What the server pushes: hints only — the panel reads the data through the REST API. */
export type StaffEvent =
  | { type: 'ready'; role: string }
  | { type: 'queue' }
  | ({ type: 'handoff'; id: string } & HandoffHint)
  | { type: 'resync' }
  | { type: 'error'; error: string };

const AUTH_TIMEOUT_MS = 5000;
const PING_MS = 25_000;
/** One typing notice per chat this often at most (the operator's client shows it for seconds anyway). */
const TYPING_EVERY_MS = 2000;

/**
 * The call-center panel's live line: a WebSocket at /api/live that tells the panel when
 * the queue changes and when a chat it shows has new messages, typing or a new status —
 * from any instance, through the bus — and carries the agent's typing indicator back.
 * Browsers cannot set an Authorization header on a WebSocket, and an API key does not
 * belong in a URL (proxy logs), so the first message is the key; nothing is sent before.
 */
export class StaffSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 8192, perMessageDeflate: false });
  private readonly open = new Set<WebSocket>();

  constructor(
    private readonly deps: {
      authenticate: (key: string) => Agent | undefined;
      desk: () => HandoffDesk | undefined;
      bus: () => Bus | undefined;
      admit?: (req: IncomingMessage) => Promise<void>;
      log: Logger;
    },
  ) {}

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const bus = this.deps.bus();
    if (!bus || !this.deps.desk()) return refuse(socket, 503, 'the live desk is still starting');
    try {
      await this.deps.admit?.(req);
    } catch (err) {
      return refuse(socket, 429, (err as Error).message);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.session(ws, bus));
  }

  private session(ws: WebSocket, bus: Bus): void {
    this.open.add(ws);
    let agent: Agent | undefined;
    const subscriptions = new Map<string, () => void>();
    const lastTyping = new Map<string, number>();
    const send = (event: StaffEvent) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(event));
    const authTimer = setTimeout(() => !agent && ws.close(4401, 'send {"type":"auth","key":…} first'), AUTH_TIMEOUT_MS);
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, PING_MS);
    ping.unref();
    ws.on('pong', () => (alive = true));
    const unsubscribe: (() => void)[] = [];

    ws.on('message', (raw) => {
      let message: z.infer<typeof clientMessage>;
      try {
        message = clientMessage.parse(JSON.parse(String(raw)));
      } catch {
        send({ type: 'error', error: 'unreadable message' });
        return;
      }
      if (message.type === 'auth') {
        if (agent) return;
        agent = this.deps.authenticate(message.key);
        if (!agent) return ws.close(4401, 'unknown API key or a role that does not work the live queue');
        clearTimeout(authTimer);
        unsubscribe.push(
          bus.subscribe(QUEUE_TOPIC, () => send({ type: 'queue' })),
          bus.onResync(() => send({ type: 'resync' })),
        );
        send({ type: 'ready', role: agent.role });
        return;
      }
      if (!agent) return ws.close(4401, 'send {"type":"auth","key":…} first');
      if (message.type === 'watch') {
        const wanted = new Set(message.handoffs);
        for (const [id, stop] of subscriptions)
          if (!wanted.has(id)) {
            stop();
            subscriptions.delete(id);
          }
        for (const id of wanted) {
          if (!subscriptions.has(id))
            subscriptions.set(
              id,
              bus.subscribe(handoffTopic(id), (hint: BusData) => send({ type: 'handoff', id, ...(hint as HandoffHint) })),
            );
        }
        return;
      }
      const now = Date.now();
      if (now - (lastTyping.get(message.handoff) ?? 0) < TYPING_EVERY_MS) return;
      lastTyping.set(message.handoff, now);
      const desk = this.deps.desk();
      // Only the holder's typing reaches the operator; anything else is ignored quietly.
      void desk?.agentTyping(message.handoff, agent).catch(() => undefined);
    });

    const cleanup = () => {
      clearTimeout(authTimer);
      clearInterval(ping);
      for (const stop of subscriptions.values()) stop();
      for (const stop of unsubscribe) stop();
      this.open.delete(ws);
    };
    ws.on('close', cleanup);
    ws.on('error', (err) => this.deps.log.debug({ err: err.message }, 'staff socket error'));
  }

  close(): void {
    for (const ws of this.open) ws.close(1001, 'server shutting down');
    this.wss.close();
  }
}
