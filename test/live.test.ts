import { WebSocket } from 'ws';
import type { HandoffDetail, HandoffList, HandoffMessages, HandoffPickupReport, HandoffSummary } from '../src/api/handoffs.js';
import { emulatorPost, startChannel, type TestChannel } from './support/channel.js';
import { createSchema, dropSchema } from './support/databases.js';
import { eventually, StaffLine, StreamingChat } from './support/live.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/**
 * Live chats end to end on one real server per store: the operator streams over the
 * Direct Line WebSocket, the agent works the /api/handoffs API and the panel's live line,
 * proactive messages (an agent's reply, ticket updates, "nobody is free") reach the
 * operator's socket, and a Bot Framework channel (a local stand-in for the connector)
 * gets the agent's reply through continueConversationAsync.
 */

const HANDED_OVER = /handing you over|转接人工/i;

/** Describes a fault, then asks for a person; resolves with the handoff as the queue lists it. */
async function handOver(s: TestServer, chat: StreamingChat): Promise<HandoffSummary> {
  const before = chat.activities.length;
  await chat.say(s.base, 'the outriggers on my pump truck will not come down');
  await chat.waitFor((a) => a.from.role === 'bot' && /model or serial|Which machine/i.test(a.text ?? ''), 'the model question', before);
  const mark = chat.activities.length;
  await chat.say(s.base, 'I want to talk to a person');
  await chat.waitFor((a) => HANDED_OVER.test(a.text ?? ''), 'the handoff message', mark);
  const list = await eventually(
    async () => (await (await api(s.base, KEYS.agent, 'GET', '/api/handoffs?status=open')).json()) as HandoffList,
    (l) => l.handoffs.some((h) => h.conversationId === chat.conversationId),
    'the handoff in the queue',
  );
  return list.handoffs.find((h) => h.conversationId === chat.conversationId)!;
}

const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;

describe.each([['SQLite', 'sqlite'] as const, ['PostgreSQL', 'postgres'] as const])('live chats on %s', (_name, store) => {
  let s: TestServer;
  const chats: StreamingChat[] = [];
  const start = async () => {
    const chat = await StreamingChat.start(s.base);
    chats.push(chat);
    return chat;
  };

  beforeAll(async () => {
    s = await startTestServer({
      store,
      live: { unclaimedAfterSeconds: 5, pickupTargetSeconds: 60, sweepSeconds: 0.25, timeZone: 'Asia/Shanghai' },
    });
  }, 120_000);
  afterAll(async () => {
    for (const c of chats) c.close();
    await s?.stop();
  });

  it('streams a conversation over the WebSocket as Direct Line 3.0 does, and polling still works', async () => {
    const chat = await start();
    expect(chat.streamUrl).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/${chat.conversationId}/stream\\?watermark=&t=\\d+\\.[\\w-]{43}$`),
    );
    // The URL carries a stream ticket, never the conversation's token.
    expect(chat.streamUrl).not.toContain(chat.token);
    const greeting = await chat.waitFor((a) => a.type === 'message' && a.from.role === 'bot', 'the greeting');
    expect(greeting.text).toMatch(/service assistant/);
    await chat.say(s.base, 'the outriggers on my pump truck will not come down');
    // The operator's own message is echoed (Web Chat marks it sent), then the bot's reply.
    await chat.waitFor((a) => a.from.role === 'user' && /outriggers/.test(a.text ?? ''), 'the echo');
    await chat.waitFor((a) => a.from.role === 'bot' && /model or serial/.test(a.text ?? ''), 'the reply');
    expect(Number(chat.watermark)).toBeGreaterThanOrEqual(3);
    // Every activity came once, in order.
    const ids = chat.activities.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);

    // Polling sees the same log.
    const polled = await json<{ activities: { id: string }[]; watermark: string }>(
      fetch(`${s.base}/v3/directline/conversations/${chat.conversationId}/activities?watermark=0`, {
        headers: { authorization: `Bearer ${chat.token}` },
      }),
    );
    expect(polled.activities.map((a) => a.id)).toEqual(ids);
    expect(polled.watermark).toBe(chat.watermark);

    // Reconnecting with the watermark resumes after it; without one, the whole conversation comes again.
    const resumed = await StreamingChat.resume(s.base, chat, '1');
    chats.push(resumed);
    await resumed.waitFor((a) => /model or serial/.test(a.text ?? ''), 'the resumed reply');
    expect(resumed.activities.map((a) => a.id)).toEqual(ids.slice(1));
    const replayed = await StreamingChat.resume(s.base, chat);
    chats.push(replayed);
    await replayed.waitFor((a) => /model or serial/.test(a.text ?? ''), 'the replayed reply');
    expect(replayed.activities.map((a) => a.id)).toEqual(ids);
  });

  it('refuses a stream without a valid ticket, and upgrades elsewhere', async () => {
    const chat = await start();
    const bad = chat.streamUrl.replace(/t=[^&]+/, 't=1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const other = await start();
    const statuses = await Promise.all(
      [bad, chat.streamUrl.replace(chat.conversationId, other.conversationId), `${s.base.replace('http', 'ws')}/v3/directline/nothing`].map(
        (url) =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(url);
            ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
            ws.on('open', () => resolve(101));
            ws.on('error', () => resolve(-1));
          }),
      ),
    );
    expect(statuses).toEqual([403, 403, 404]);
  });

  it('lets an agent claim a handed-over chat, answer it with typing both ways, and hand it back', async () => {
    const chat = await start();
    const queued = await handOver(s, chat);
    expect(queued).toEqual(
      expect.objectContaining({ status: 'open', channel: 'directline', language: 'en', priority: expect.stringMatching(/normal|urgent/) }),
    );
    expect(queued.transcript.map((l) => l.text).join('\n')).toMatch(/outriggers on my pump truck/);

    const line = await StaffLine.open(s.base, KEYS.agent);
    line.watch(queued.id);
    await new Promise((r) => setTimeout(r, 100));

    // Claim: the operator hears that a person joined.
    const mark = chat.activities.length;
    const claimed = await json<HandoffSummary>(api(s.base, KEYS.agent, 'POST', `/api/handoffs/${queued.id}/claim`));
    expect(claimed).toEqual(expect.objectContaining({ status: 'claimed', claimedBy: expect.stringMatching(/^agent#/) }));
    await chat.waitFor((a) => /has joined the chat/.test(a.text ?? ''), 'the joined notice', mark);
    await line.waitFor(
      (e) => e.type === 'handoff' && e.id === queued.id && e.kind === 'status' && e.status === 'claimed',
      'the claimed status',
    );

    // Someone else may not take it; an admin may.
    const refused = await api(s.base, KEYS.dispatcher, 'POST', `/api/handoffs/${queued.id}/claim`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual(expect.objectContaining({ code: 'handoff_claimed' }));
    const notHolder = await api(s.base, KEYS.dispatcher, 'POST', `/api/handoffs/${queued.id}/messages`, { text: 'hi' });
    expect(notHolder.status).toBe(409);
    expect(await notHolder.json()).toEqual(expect.objectContaining({ code: 'not_holder' }));

    // The agent types, then writes: the operator's socket shows both.
    const beforeTyping = chat.activities.length;
    line.typing(queued.id);
    await chat.waitFor((a) => a.type === 'typing' && a.from.id.startsWith('agent:'), 'the agent typing', beforeTyping);
    const posted = await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${queued.id}/messages`, {
      text: 'Hello, this is Li from the service desk. Is anyone near the truck?',
    });
    expect(posted.status).toBe(201);
    const reply = await chat.waitFor((a) => /this is Li/.test(a.text ?? ''), 'the agent’s reply');
    expect(reply.from).toEqual(expect.objectContaining({ name: 'Service desk', role: 'bot' }));

    // The operator types and answers: the agent's line hears both, the messages API holds it.
    const beforeOp = line.events.length;
    await chat.say(s.base, '', 'typing');
    await line.waitFor((e) => e.type === 'handoff' && e.kind === 'typing' && e.from === 'operator', 'the operator typing', beforeOp);
    await chat.say(s.base, 'nobody is near it, the legs are stuck halfway');
    await line.waitFor((e) => e.type === 'handoff' && e.kind === 'messages', 'a messages hint', beforeOp);
    const all = await eventually(
      () => json<HandoffMessages>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}/messages?after=0`)),
      (m) => m.messages.some((x) => x.from === 'operator' && /legs are stuck/.test(x.text)),
      'the operator’s message',
    );
    expect(all.messages.map((m) => m.from)).toEqual(expect.arrayContaining(['bot', 'agent', 'operator']));
    const cursor = all.messages.find((m) => m.from === 'agent')!.cursor;
    const after = await json<HandoffMessages>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}/messages?after=${cursor}`));
    expect(after.messages[0]!.from).not.toBe('agent');
    expect(after.messages.every((m) => Number(m.cursor) > Number(cursor))).toBe(true);

    // An admin takes over; then hands it back to the bot.
    const taken = await json<HandoffSummary>(api(s.base, KEYS.admin, 'POST', `/api/handoffs/${queued.id}/claim`));
    expect(taken.claimedBy).toMatch(/^admin#/);
    const gone = await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${queued.id}/messages`, { text: 'still me' });
    expect(gone.status).toBe(409);
    const beforeRelease = chat.activities.length;
    const released = await json<HandoffSummary>(api(s.base, KEYS.admin, 'POST', `/api/handoffs/${queued.id}/release`, { to: 'bot' }));
    expect(released).toEqual(expect.objectContaining({ status: 'closed', releasedTo: 'bot' }));
    await chat.waitFor((a) => /handed you back to the assistant/.test(a.text ?? ''), 'the release notice', beforeRelease);
    const again = await api(s.base, KEYS.admin, 'POST', `/api/handoffs/${queued.id}/release`, { to: 'closed' });
    expect(again.status).toBe(409);

    const closed = await json<HandoffList>(api(s.base, KEYS.agent, 'GET', '/api/handoffs?status=closed'));
    expect(closed.handoffs.map((h) => h.id)).toContain(queued.id);
    line.close();
  });

  it('keeps the bot silent while a person holds the conversation; "start over" still works', async () => {
    const chat = await start();
    const queued = await handOver(s, chat);
    await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${queued.id}/claim`);
    await chat.waitFor((a) => /has joined the chat/.test(a.text ?? ''), 'the joined notice');
    const mark = chat.activities.length;
    await chat.say(s.base, 'hello? is anyone there?');
    await chat.say(s.base, 'the outrigger on the left side is leaking oil');
    await chat.waitFor((a) => a.from.role === 'user' && /leaking oil/.test(a.text ?? ''), 'the echo', mark);
    await new Promise((r) => setTimeout(r, 1500));
    expect(chat.activities.slice(mark).filter((a) => a.type === 'message' && a.from.role !== 'user')).toEqual([]);

    // The operator goes back to the assistant: the bot answers again and the handoff closes.
    await chat.say(s.base, 'start over');
    await chat.waitFor((a) => a.from.role === 'bot' && a.type === 'message', 'the bot again', mark);
    const detail = await eventually(
      () => json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}`)),
      (d) => d.status === 'closed',
      'the handoff closed',
    );
    expect(detail.releasedTo).toBe('bot');
  });

  it('keeps a callback number the operator leaves while waiting; danger while held marks the chat urgent and still reaches the bot', async () => {
    const chat = await start();
    const queued = await handOver(s, chat);
    let mark = chat.activities.length;
    await chat.say(s.base, 'please call me back on 139 1234 5678');
    const noted = await chat.waitFor((a) => /call you back on/.test(a.text ?? ''), 'the callback confirmation', mark);
    expect(noted.text).toContain('+86 139 1234 5678');
    const waiting = await eventually(
      () => json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}`)),
      (d) => d.callbackPhone !== undefined,
      'the callback number on the handoff',
    );
    expect(waiting).toEqual(expect.objectContaining({ callbackPhone: '+8613912345678', status: 'open', priority: 'normal' }));
    // The number was not read as a new fault description: no triage answer besides the confirmation.
    await new Promise((r) => setTimeout(r, 500));
    expect(
      chat
        .botTexts()
        .slice(chat.botTexts().indexOf(noted.text!) + 1)
        .filter((t) => !/is busy/.test(t)),
    ).toEqual([]);

    await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${queued.id}/claim`);
    await chat.waitFor((a) => /has joined the chat/.test(a.text ?? ''), 'the joined notice');
    mark = chat.activities.length;
    await chat.say(s.base, 'the truck is tipping over and a man is under the boom');
    const urgent = await eventually(
      () => json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}`)),
      (d) => d.priority === 'urgent',
      'the chat marked urgent',
    );
    expect(urgent.status).toBe('claimed');
    // Not silent for danger: the bot answers it although a person holds the chat.
    // (the turn level's emergency answer: src/conversation/emergency.ts)
    await chat.waitFor((a) => /^This is an emergency/.test(a.text ?? ''), 'the bot’s safety answer to the danger', mark);
    // The agent keeps the chat: danger does not end it.
    await new Promise((r) => setTimeout(r, 500));
    expect((await json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}`))).status).toBe('claimed');
  });

  it('tells the operator when nobody claims the chat in time, once', async () => {
    const chat = await start();
    const queued = await handOver(s, chat);
    const notice = await chat.waitFor((a) => /everyone at the service desk is busy/.test(a.text ?? ''), 'the unclaimed notice', 0, 20_000);
    expect(notice.text).toMatch(/phone number/);
    await new Promise((r) => setTimeout(r, 1000));
    expect(chat.botTexts().filter((t) => /is busy/.test(t))).toHaveLength(1);
    const detail = await json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}`));
    expect(detail.unclaimedNoticeAt).toBeDefined();
    expect(detail.ticketReference).toBe(`directline:${chat.conversationId}`);
  });

  it('tells the operator about their ticket: opened from the chat, assigned with the technician’s name, on the way, on site', async () => {
    const chat = await start();
    const queued = await handOver(s, chat);
    await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${queued.id}/claim`);
    const detail = await json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}`));
    const created = await api(
      s.base,
      KEYS.agent,
      'POST',
      '/api/tickets',
      ticketRequest({ reference: detail.ticketReference, source: 'panel' }),
      { 'idempotency-key': `live-${queued.id}` },
    );
    expect(created.status).toBe(201);
    const ticket = (await created.json()) as { id: string; number: string };
    await chat.waitFor((a) => (a.text ?? '').includes(`Service ticket ${ticket.number} has been opened`), 'the ticket notice');
    await eventually(
      () => json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}`)),
      (d) => d.tickets.some((t) => t.number === ticket.number),
      'the ticket on the chat',
    );

    await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-07' });
    await chat.waitFor(
      (a) => (a.text ?? '').includes(`Ticket ${ticket.number}: technician Li Qiang has been assigned`),
      'the assignment notice',
    );
    await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${ticket.id}/status`, { status: 'en_route' });
    await chat.waitFor((a) => (a.text ?? '').includes(`Ticket ${ticket.number}: Li Qiang is on the way`), 'the en-route notice');
    await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${ticket.id}/status`, { status: 'on_site' });
    await chat.waitFor((a) => (a.text ?? '').includes(`Ticket ${ticket.number}: Li Qiang has arrived on site`), 'the on-site notice');
    // The agent's chat view shows the notices too.
    const messages = await json<HandoffMessages>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${queued.id}/messages`));
    expect(messages.messages.filter((m) => m.text.includes(ticket.number))).toHaveLength(4);
  });

  it('tells a Chinese operator about their ticket in Chinese, and that it is fixed', async () => {
    const chat = await start();
    await chat.waitFor((a) => a.from.role === 'bot', 'the greeting');
    await chat.say(s.base, '泵车支腿收不回来');
    await chat.waitFor(
      (a) => a.from.role === 'bot' && a.type === 'message' && chat.activities.filter((x) => x.from.role === 'user').length > 0,
      'the answer',
    );
    const live = s.app.services().live!;
    await eventually(
      () => live.directory.get(chat.conversationId),
      (k) => k?.language === 'zh',
      'the conversation kept as Chinese',
    );
    const res = await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest({ reference: `directline:${chat.conversationId}` }), {
      'idempotency-key': `zh-${chat.conversationId}`,
    });
    const ticket = (await res.json()) as { id: string; number: string };
    await chat.waitFor((a) => (a.text ?? '').includes(`已为您创建服务工单 ${ticket.number}`), 'the Chinese ticket notice');
    await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-07' });
    await chat.waitFor((a) => (a.text ?? '') === `工单 ${ticket.number}：已为您安排技师 Li Qiang。`, 'the Chinese assignment notice');
    for (const status of ['en_route', 'on_site']) {
      expect((await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${ticket.id}/status`, { status })).status).toBe(200);
    }
    const closeOut = {
      actualFaultId: 'PT-H01',
      causeId: 'c1',
      rootCauseClass: 'needs-repair',
      workDone: 'Replaced the relief valve',
      minutesOnSite: 60,
    };
    expect((await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${ticket.id}/close-out`, closeOut)).status).toBe(200);
    await chat.waitFor((a) => (a.text ?? '').startsWith(`工单 ${ticket.number}：技师已将故障标记为已修复`), 'the Chinese resolved notice');
    const notices = chat.botTexts().filter((t) => t.includes(ticket.number));
    expect(notices).toHaveLength(5);
    // Chinese all through, but for the ticket number and the roster's name.
    expect(notices.join('').replaceAll(ticket.number, '').replaceAll('Li Qiang', '')).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('warns the operator once when a deadline is at risk', async () => {
    const chat = await start();
    await chat.waitFor((a) => a.from.role === 'bot', 'the greeting');
    await chat.say(s.base, 'hello');
    await chat.waitFor((a) => a.from.role === 'user', 'the echo');
    const live = s.app.services().live!;
    await eventually(() => live.directory.get(chat.conversationId), Boolean, 'the conversation reference');
    const res = await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest({ reference: `directline:${chat.conversationId}` }), {
      'idempotency-key': `risk-${chat.conversationId}`,
    });
    const ticket = (await res.json()) as { id: string; number: string; sla: { clocks: { dueAt: string }[] } };
    // The respond clock is due in a few minutes: well past its at-risk fraction.
    const db = s.app.services().db!;
    const [row] = await db.query<{ doc: string }>('SELECT doc FROM tickets WHERE id = $1', [ticket.id]);
    const doc = JSON.parse(row!.doc) as { createdAt: string; sla: { clocks: { name: string; dueAt: string }[] } };
    doc.createdAt = new Date(Date.now() - 3 * 3600_000).toISOString();
    doc.sla.clocks[0]!.dueAt = new Date(Date.now() + 10 * 60_000).toISOString();
    await db.run('UPDATE tickets SET doc = $1, next_due_at = $2 WHERE id = $3', [JSON.stringify(doc), doc.sla.clocks[0]!.dueAt, ticket.id]);
    await live.notices.sweepAtRisk();
    await live.notices.sweepAtRisk();
    const warned = await chat.waitFor(
      (a) => (a.text ?? '').includes(`Ticket ${ticket.number}: we may miss the deadline for a plan from the coordinator`),
      'the at-risk notice',
    );
    expect(warned.text).toMatch(/\d{2}:\d{2}/);
    await new Promise((r) => setTimeout(r, 500));
    expect(chat.botTexts().filter((t) => t.includes('we may miss the deadline for a plan'))).toHaveLength(1);
  });

  it('pages the queue, newest first, validates its input and checks roles', async () => {
    const page = await json<HandoffList>(api(s.base, KEYS.agent, 'GET', '/api/handoffs?status=closed&limit=1'));
    expect(page.handoffs.length).toBeLessThanOrEqual(1);
    expect(page).toEqual(expect.objectContaining({ limit: 1, offset: 0, total: expect.any(Number) }));
    const all = await json<HandoffList>(api(s.base, KEYS.agent, 'GET', '/api/handoffs?status=closed&limit=100'));
    const created = all.handoffs.map((h) => h.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(all.total).toBe(all.handoffs.length);

    expect((await api(s.base, KEYS.tech7, 'GET', '/api/handoffs')).status).toBe(403);
    expect((await api(s.base, undefined, 'GET', '/api/handoffs')).status).toBe(401);
    for (const bad of ['?status=lost', '?limit=0', '?limit=1000', '?offset=-1', '?x=1']) {
      const res = await api(s.base, KEYS.agent, 'GET', `/api/handoffs${bad}`);
      expect([bad, res.status]).toEqual([bad, 400]);
    }
    expect((await api(s.base, KEYS.agent, 'POST', '/api/handoffs/not-an-id/claim')).status).toBe(400);
    expect((await api(s.base, KEYS.agent, 'POST', '/api/handoffs/00000000-0000-4000-8000-000000000000/claim')).status).toBe(404);
    const open = await json<HandoffList>(api(s.base, KEYS.agent, 'GET', '/api/handoffs?status=open'));
    const target = open.handoffs[0] ?? all.handoffs[0]!;
    for (const body of [{}, { text: '' }, { text: 'x'.repeat(2001) }, { text: 'hi', extra: 1 }, { text: 'a\u0000b' }]) {
      expect((await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${target.id}/messages`, body)).status).toBe(400);
    }
    expect((await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${target.id}/release`, { to: 'nowhere' })).status).toBe(400);
    expect((await api(s.base, KEYS.agent, 'GET', `/api/handoffs/${target.id}/messages?after=abc`)).status).toBe(400);
  });

  it('measures pickup time against its target', async () => {
    const report = await json<HandoffPickupReport>(api(s.base, KEYS.dispatcher, 'GET', '/api/reports/handoffs'));
    expect(report.targetSeconds).toBe(60);
    expect(report.handoffs).toBeGreaterThanOrEqual(4);
    expect(report.claimed).toBeGreaterThanOrEqual(3);
    expect(report.withinTarget).toBeLessThanOrEqual(report.claimed);
    expect(report.pickupSeconds.median).not.toBeNull();
    expect(report.unclaimedNotices).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${s.base}/metrics`)).text();
    expect(metrics).toMatch(/triage_handoff_pickup_seconds_count \d+/);
  });
});

describe('live chats on a Bot Framework channel (/api/messages)', () => {
  let s: TestServer;
  let channel: TestChannel;
  const received: { path: string; body: { type: string; text?: string; name?: string } }[] = [];

  beforeAll(async () => {
    s = await startTestServer();
    channel = await startChannel((path, body) => received.push({ path, body: body as (typeof received)[number]['body'] }));
  }, 120_000);
  afterAll(async () => {
    channel.close();
    await s?.stop();
  });

  const post = (activity: Record<string, unknown>) => emulatorPost(s.base, channel.serviceUrl, 'live-emulator-1', activity);

  it('sends the agent’s reply, typing and the ticket updates through continueConversationAsync', async () => {
    await post({ type: 'message', id: 'm1', text: 'the outriggers on my pump truck will not come down' });
    await post({ type: 'message', id: 'm2', text: 'I want to talk to a person' });
    expect(received.some((r) => r.body.name === 'handoff.initiate')).toBe(true);
    const list = await json<HandoffList>(api(s.base, KEYS.agent, 'GET', '/api/handoffs'));
    const handoff = list.handoffs.find((h) => h.conversationId === 'live-emulator-1')!;
    expect(handoff.channel).toBe('emulator');

    await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${handoff.id}/claim`);
    await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${handoff.id}/typing`);
    await api(s.base, KEYS.agent, 'POST', `/api/handoffs/${handoff.id}/messages`, {
      text: 'Service desk here: are the legs stuck halfway?',
    });
    const toChannel = received.filter((r) => r.path.startsWith('/v3/conversations/live-emulator-1/activities'));
    expect(toChannel.map((r) => r.body.text)).toEqual(
      expect.arrayContaining([
        'A person from our service desk has joined the chat and will answer you here.',
        'Service desk here: are the legs stuck halfway?',
      ]),
    );
    expect(toChannel.some((r) => r.body.type === 'typing')).toBe(true);

    const detail = await json<HandoffDetail>(api(s.base, KEYS.agent, 'GET', `/api/handoffs/${handoff.id}`));
    const res = await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest({ reference: detail.ticketReference }), {
      'idempotency-key': 'live-emulator-ticket',
    });
    const ticket = (await res.json()) as { id: string; number: string };
    await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-08' });
    await eventually(
      async () => received.map((r) => r.body.text ?? ''),
      (texts) => texts.some((t) => t.includes(`Ticket ${ticket.number}: technician Zhao Min has been assigned`)),
      'the assignment notice on the channel',
    );
  });
});

describe('a conversation across a server restart (PostgreSQL)', () => {
  let schema: string;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    schema = await createSchema();
  });
  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await dropSchema(schema);
  });

  it('resumes the stream with its history and goes on where it was, handoff included', async () => {
    const first = await startTestServer({ store: 'postgres', schema });
    servers.push(first);
    const chat = await StreamingChat.start(first.base);
    await chat.say(first.base, 'the outriggers on my pump truck will not come down');
    await chat.waitFor((a) => a.from.role === 'bot' && /model or serial/i.test(a.text ?? ''), 'the model question');
    await chat.say(first.base, 'I want to talk to a person');
    await chat.waitFor((a) => HANDED_OVER.test(a.text ?? ''), 'the handoff message');
    const seen = chat.activities.map((a) => a.id);
    chat.close();
    await first.stop();

    // Another process on the same store: the client reconnects (no watermark after a reload) and gets the whole conversation.
    const second = await startTestServer({ store: 'postgres', schema });
    servers.push(second);
    const again = await StreamingChat.resume(second.base, { conversationId: chat.conversationId, token: chat.token });
    await again.waitFor((a) => HANDED_OVER.test(a.text ?? ''), 'the history replayed');
    expect(again.activities.map((a) => a.id)).toEqual(seen);

    // The handoff survived: an agent on the new process claims and writes; the operator's words reach them.
    const list = await json<HandoffList>(api(second.base, KEYS.agent, 'GET', '/api/handoffs?status=open'));
    const handoff = list.handoffs.find((h) => h.conversationId === chat.conversationId)!;
    await api(second.base, KEYS.agent, 'POST', `/api/handoffs/${handoff.id}/claim`);
    await again.waitFor((a) => /has joined the chat/.test(a.text ?? ''), 'the joined notice');
    await again.say(second.base, 'the left front leg is stuck halfway');
    await eventually(
      () => json<HandoffMessages>(api(second.base, KEYS.agent, 'GET', `/api/handoffs/${handoff.id}/messages?after=0`)),
      (m) => m.messages.some((x) => x.from === 'operator' && /stuck halfway/.test(x.text)),
      'the operator’s words at the agent',
    );
    // A reconnect from its watermark gets only what is new.
    const mark = again.watermark;
    await api(second.base, KEYS.agent, 'POST', `/api/handoffs/${handoff.id}/messages`, {
      text: 'Keep everyone clear of the truck, I am calling you now.',
    });
    await again.waitFor((a) => /calling you now/.test(a.text ?? ''), 'the agent’s reply');
    const later = await StreamingChat.resume(second.base, { conversationId: chat.conversationId, token: chat.token }, mark);
    const replay = await later.waitFor((a) => /calling you now/.test(a.text ?? ''), 'the reply after the watermark');
    expect(later.activities.every((a) => !seen.includes(a.id))).toBe(true);
    expect(replay.from.name).toBe('Service desk');
    again.close();
    later.close();
  });
});
