import { WebSocket } from 'ws';

/** An activity as a Direct Line client receives it (the parts the tests read). */
export interface StreamedActivity {
  id?: string;
  type: string;
  text?: string;
  name?: string;
  from: { id: string; name?: string; role?: string };
  receivedAt: number;
}

/**
 * A Direct Line client that streams, as Web Chat does by default: start (or reconnect to)
 * a conversation, open its streamUrl, collect what arrives, post messages over HTTP.
 * Posting may go to one instance while the socket is held by another.
 */
export class StreamingChat {
  readonly activities: StreamedActivity[] = [];
  /** Raw frames, keep-alives ("") included. */
  readonly frames: string[] = [];
  watermark: string | undefined;
  private ws: WebSocket | undefined;

  private constructor(
    readonly conversationId: string,
    readonly token: string,
    readonly streamUrl: string,
  ) {}

  /** A new conversation on `base`: token, start, stream. */
  static async start(base: string): Promise<StreamingChat> {
    const { token } = (await (await fetch(`${base}/chat/token`, { method: 'POST' })).json()) as { token: string };
    const started = await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (started.status !== 201) throw new Error(`start answered ${started.status}`);
    const c = (await started.json()) as { conversationId: string; token: string; streamUrl?: string };
    if (!c.streamUrl) throw new Error('no streamUrl');
    const chat = new StreamingChat(c.conversationId, c.token, c.streamUrl);
    await chat.connect(c.streamUrl);
    return chat;
  }

  /** Reconnects to the conversation on `base` from `watermark`, as directlinejs does after a lost socket. */
  static async resume(base: string, from: { conversationId: string; token: string }, watermark?: string): Promise<StreamingChat> {
    const q = watermark === undefined ? '' : `?watermark=${watermark}`;
    const res = await fetch(`${base}/v3/directline/conversations/${from.conversationId}${q}`, {
      headers: { authorization: `Bearer ${from.token}` },
    });
    if (res.status !== 200) throw new Error(`reconnect answered ${res.status}`);
    const c = (await res.json()) as { streamUrl: string; token: string };
    const chat = new StreamingChat(from.conversationId, c.token, c.streamUrl);
    await chat.connect(c.streamUrl);
    return chat;
  }

  private connect(url: string): Promise<void> {
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.on('message', (data) => {
      const text = String(data);
      this.frames.push(text);
      if (!text) return;
      const set = JSON.parse(text) as { activities: Omit<StreamedActivity, 'receivedAt'>[]; watermark?: string };
      const at = performance.now();
      for (const a of set.activities) this.activities.push({ ...a, receivedAt: at });
      if (set.watermark) this.watermark = set.watermark;
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  /** Posts a message as the operator (to any instance). */
  async say(base: string, text: string, type: 'message' | 'typing' = 'message'): Promise<void> {
    const res = await fetch(`${base}/v3/directline/conversations/${this.conversationId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type, ...(type === 'message' ? { text } : {}), from: { id: 'operator-1', role: 'user' } }),
    });
    if (res.status !== 200) throw new Error(`posting "${text}" answered ${res.status}: ${await res.text()}`);
  }

  /** Messages from anyone but the operator, in order. */
  botTexts(): string[] {
    return this.activities.filter((a) => a.type === 'message' && a.from.role !== 'user').map((a) => a.text ?? '');
  }

  /** Waits until an activity after index `from` satisfies `ok`; returns it. */
  async waitFor(ok: (a: StreamedActivity) => boolean, what: string, from = 0, timeoutMs = 15_000): Promise<StreamedActivity> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.activities.slice(from).find(ok);
      if (found) return found;
      if (Date.now() > end)
        throw new Error(
          `no ${what} within ${timeoutMs} ms; saw ${JSON.stringify(this.activities.map((a) => `${a.type}:${a.from.role}:${a.text ?? ''}`))}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.ws?.close();
  }
}

/** The panel's live line (/api/live): authenticates, watches chats, collects events. */
export class StaffLine {
  readonly events: Record<string, unknown>[] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => this.events.push(JSON.parse(String(d)) as Record<string, unknown>));
  }

  static async open(base: string, key: string): Promise<StaffLine> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/live`);
    const line = new StaffLine(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'auth', key }));
    await line.waitFor((e) => e.type === 'ready', 'ready');
    return line;
  }

  watch(...handoffs: string[]): void {
    this.ws.send(JSON.stringify({ type: 'watch', handoffs }));
  }

  typing(handoff: string): void {
    this.ws.send(JSON.stringify({ type: 'typing', handoff }));
  }

  async waitFor(ok: (e: Record<string, unknown>) => boolean, what: string, from = 0, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(ok);
      if (found) return found;
      if (Date.now() > end) throw new Error(`no ${what} within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Polls `read` until `ok`, for state the tests check through the API. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
