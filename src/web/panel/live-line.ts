/**
 * The panel's live line: the staff WebSocket at /api/live (src/live/staff-socket.ts).
 * It says when the queue changed and when a watched chat has new messages, typing or a
 * new status — hints only; the page reads the data through the REST API. The key is the
 * first message (a browser cannot set a header on a WebSocket, and a key does not belong
 * in a URL). A dropped line reconnects with backoff, watches again and reports `resync`,
 * so the page reads what it may have missed.
 */

/** What the server pushes (see StaffEvent in src/live/staff-socket.ts). */
export type LiveEvent =
  | { type: 'ready'; role: string }
  | { type: 'queue' }
  | { type: 'handoff'; id: string; kind: 'messages' }
  | { type: 'handoff'; id: string; kind: 'typing'; from: 'operator' | 'agent' }
  | { type: 'handoff'; id: string; kind: 'status'; status: string }
  | { type: 'resync' }
  | { type: 'error'; error: string };

export type LineState = 'connecting' | 'open' | 'closed';

export class LiveLine {
  private ws: WebSocket | undefined;
  private watched: string[] = [];
  private retryMs = 500;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private everOpen = false;

  constructor(
    private readonly key: string,
    private readonly on: (event: LiveEvent) => void,
    private readonly onState: (state: LineState) => void,
    /** The key was refused (4401): the page signs out instead of retrying. */
    private readonly onRefused: () => void,
  ) {
    this.connect();
  }

  /** The chats whose messages, typing and status this panel wants to hear about (at most 20). */
  watch(ids: readonly string[]): void {
    this.watched = [...new Set(ids)].slice(0, 20);
    this.send({ type: 'watch', handoffs: this.watched });
  }

  /** The agent is typing in this chat (the server passes it on to the operator, at most every 2 s). */
  typing(id: string): void {
    this.send({ type: 'typing', handoff: id });
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'signed out');
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private connect(): void {
    this.onState('connecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', key: this.key }));
    ws.onmessage = (m) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(String(m.data)) as LiveEvent;
      } catch {
        return;
      }
      if (event.type === 'ready') {
        this.retryMs = 500;
        this.onState('open');
        if (this.watched.length) this.send({ type: 'watch', handoffs: this.watched });
        // After a drop the page may have missed hints: it reads again.
        if (this.everOpen) this.on({ type: 'resync' });
        this.everOpen = true;
      }
      this.on(event);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.onState('closed');
      if (this.stopped) return;
      if (e.code === 4401) return this.onRefused();
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 15_000);
    };
  }
}
