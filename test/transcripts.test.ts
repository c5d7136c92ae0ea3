import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TicketView, TranscriptResponse } from '../src/api/responses.js';
import { until } from './support/browser.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

/**
 * One transcript for every channel: botbuilder's TranscriptLoggerMiddleware on both
 * adapters. The same triage through the local Direct Line and through /api/messages (an
 * Emulator-style channel whose replies go to a fake connector on 127.0.0.1) opens two
 * tickets; each ticket's conversation reads the same, line for line, in its order, for
 * the staff who may see it.
 */

const TIMEOUT = 120_000;

interface Reply {
  texts: string[];
  actions: string[];
}
type Say = (text: string) => Promise<Reply>;

/** The operator's side of a triage, from the fault to "Send it"; returns the ticket number the bot gave. */
async function escalate(say: Say): Promise<{ number: string; said: string[] }> {
  const said: string[] = [];
  const tell = (text: string) => (said.push(text), say(text));
  let last = await tell('the outriggers on my pump truck will not come down');
  for (let i = 0; i < 30 && !last.texts.some((t) => /site address/.test(t)); i++) {
    const next = last.actions.find((a) => /^(Not fixed|Checked), next$|^Skip$/.test(a)) ?? last.actions[1];
    if (!next) throw new Error(`stuck: ${JSON.stringify(last)}`);
    last = await tell(next);
  }
  for (const answer of ['North gate of the Zhongjian site, Huangpu', 'Chen Jun', '139 1234 5678', 'Yes']) await tell(answer);
  const done = await tell('Send it');
  const number = done.texts.join(' ').match(/FT-\d{4}-\d{6}/)?.[0];
  if (!number) throw new Error(`no ticket: ${JSON.stringify(done)}`);
  return { number, said };
}

const replyOf = (activities: { type: string; text?: string; suggestedActions?: { actions: { title: string }[] } }[]): Reply => {
  const messages = activities.filter((a) => a.type === 'message');
  return { texts: messages.map((a) => a.text ?? ''), actions: messages.at(-1)?.suggestedActions?.actions.map((x) => x.title) ?? [] };
};

/** A Direct Line conversation over HTTP, as Web Chat polls it. */
async function directLineSay(base: string): Promise<Say> {
  const { token, conversationId } = (await (await fetch(`${base}/chat/token`, { method: 'POST' })).json()) as {
    token: string;
    conversationId: string;
  };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const url = `${base}/v3/directline/conversations/${conversationId}/activities`;
  let watermark = 0;
  return async (text) => {
    const posted = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ type: 'message', text, from: { id: 'operator' } }) });
    expect(posted.status).toBe(200);
    const page = (await (await fetch(`${url}?watermark=${watermark}`, { headers })).json()) as {
      activities: (Parameters<typeof replyOf>[0][number] & { from: { role?: string } })[];
      watermark: string;
    };
    watermark = Number(page.watermark);
    return replyOf(page.activities.filter((a) => a.from.role === 'bot'));
  };
}

/** A Bot Framework channel's connector on 127.0.0.1: takes the bot's replies and keeps them per conversation. */
class FakeConnector {
  readonly received = new Map<string, Parameters<typeof replyOf>[0]>();
  private server: Server = createServer((req, res) => {
    void this.take(req).then(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: `r-${Math.random()}` }));
    });
  });
  url = '';
  private async take(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
    if (!m || req.method !== 'POST') return;
    const conv = decodeURIComponent(m[1]!);
    this.received.set(conv, [...(this.received.get(conv) ?? []), JSON.parse(Buffer.concat(chunks).toString('utf8'))]);
  }
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }
  stop() {
    this.server.close();
  }
}

/** The same operator through /api/messages, channel "emulator" (no credentials: loopback service URLs only). */
function channelSay(base: string, connector: FakeConnector, conversationId: string): Say {
  let n = 0;
  return async (text) => {
    const before = connector.received.get(conversationId)?.length ?? 0;
    const res = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: `op-${++n}`,
        text,
        channelId: 'emulator',
        serviceUrl: connector.url,
        timestamp: new Date().toISOString(),
        conversation: { id: conversationId },
        from: { id: 'operator-9', name: 'Chen Jun' },
        recipient: { id: 'triage-bot', name: 'Fault triage assistant' },
      }),
    });
    // The turn's replies are delivered before the channel's request is answered.
    expect([200, 201, 202]).toContain(res.status);
    return replyOf(connector.received.get(conversationId)?.slice(before) ?? []);
  };
}

describe.each(['sqlite', 'postgres'] as const)('transcripts of every channel (%s)', (store) => {
  let server: TestServer;
  const connector = new FakeConnector();

  beforeAll(async () => {
    server = await startTestServer({ store });
    await connector.start();
  }, TIMEOUT);

  afterAll(async () => {
    connector.stop();
    await server?.stop();
  });

  const ticketByNumber = async (number: string) =>
    (await (await api(server.base, KEYS.dispatcher, 'GET', `/api/tickets/${number}`)).json()) as TicketView;
  const transcript = async (ticket: TicketView, key = KEYS.dispatcher) => {
    const res = await api(server.base, key, 'GET', `/api/tickets/${ticket.id}/transcript`);
    return { status: res.status, body: (await res.json()) as TranscriptResponse };
  };

  it(
    'reads the same conversation through Direct Line and through a Bot Framework channel',
    async () => {
      const viaDirectLine = await escalate(await directLineSay(server.base));
      const viaChannel = await escalate(channelSay(server.base, connector, 'emulator-conversation-1'));
      // The same words get the same answers whichever way they came.
      expect(viaChannel.said).toEqual(viaDirectLine.said);

      const dlTicket = await ticketByNumber(viaDirectLine.number);
      const chTicket = await ticketByNumber(viaChannel.number);
      expect(dlTicket.reference).toMatch(/^directline:/);
      expect(chTicket.reference).toBe('emulator:emulator-conversation-1');

      // The logger writes after each turn without holding it up: wait until the last answer is in.
      const complete = (b: TranscriptResponse) =>
        b.lines.some((l) => l.from === 'bot' && (l.text.includes(viaDirectLine.number) || l.text.includes(viaChannel.number)));
      const dl = (
        await until(
          () => transcript(dlTicket),
          (r) => r.status === 200 && complete(r.body),
          'the Direct Line transcript',
        )
      ).body;
      const ch = (
        await until(
          () => transcript(chTicket),
          (r) => r.status === 200 && complete(r.body),
          'the channel transcript',
        )
      ).body;
      expect([dl.channel, ch.channel]).toEqual(['directline', 'emulator']);
      expect(ch.conversationId).toBe('emulator-conversation-1');

      // Every operator message, in order, as the operator's; the bot's answers between them.
      for (const t of [dl, ch]) expect(t.lines.filter((l) => l.from === 'user').map((l) => l.text)).toEqual(viaChannel.said);
      const shape = (t: TranscriptResponse) => t.lines.map((l) => `${l.from}: ${l.text.replace(/FT-\d{4}-\d{6}/g, 'FT-…')}`);
      expect(shape(ch)).toEqual(shape(dl));
      expect(shape(ch).filter((l) => l.startsWith('bot: ')).length).toBeGreaterThan(viaChannel.said.length);
      const times = ch.lines.map((l) => Date.parse(l.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    },
    TIMEOUT,
  );

  it('gives the conversation to staff and the technician on the job only', async () => {
    const chTicket = (await (await api(server.base, KEYS.dispatcher, 'GET', '/api/tickets?q=Zhongjian')).json()) as {
      tickets: TicketView[];
    };
    const ticket = chTicket.tickets.find((t) => t.reference?.startsWith('emulator:'))!;
    expect((await transcript(ticket, KEYS.agent)).status).toBe(200);
    expect((await transcript(ticket, KEYS.tech7)).status).toBe(403);
    await api(server.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-07' });
    expect((await transcript(ticket, KEYS.tech7)).status).toBe(200);
    expect((await transcript(ticket, KEYS.tech8)).status).toBe(403);
  });
});
