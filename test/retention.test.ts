import { Retention } from '../src/storage/retention.js';
import { openChat } from './support/directline.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(['sqlite', 'postgres'] as const)('retention of anonymous conversations (%s)', (store) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ store, rateLimitScale: 100 });
  }, 240_000);
  afterAll(async () => s?.stop());

  /** A conversation through the local Direct Line; with `ticket`, one the bot escalated (its ticket as the bot opens it). */
  async function conversation(ticket: boolean) {
    const chat = await openChat(s.base);
    await chat.say('the outriggers on my pump truck will not come down');
    let id: string | undefined;
    if (ticket) {
      const bot = { role: 'bot' as const, label: 'bot' };
      const created = await s.app
        .services()
        .tickets!.create(
          ticketRequest({ source: 'bot', reference: `directline:${chat.conversationId}` }),
          bot,
          `bot:${chat.conversationId}:1`,
        );
      id = created.ticket.id;
    }
    return { conversationId: chat.conversationId, ticketId: id };
  }

  async function kept(conversationId: string) {
    const db = s.app.services().db!;
    const count = async (sql: string) => Number((await db.query<{ n: number }>(sql, [conversationId]))[0]!.n);
    return {
      state: await count(`SELECT COUNT(*) AS n FROM bot_state WHERE key LIKE '%/' || $1 || '/'`),
      directLine: await count(`SELECT COUNT(*) AS n FROM directline_conversations WHERE id = $1`),
      log: await count(`SELECT COUNT(*) AS n FROM directline_activities WHERE conversation_id = $1`),
      transcript: await count(`SELECT COUNT(*) AS n FROM transcript_activities WHERE conversation_id = $1`),
    };
  }

  it('purges idle anonymous conversations and their Direct Line logs; a ticket keeps its transcript', async () => {
    const anonymous = await conversation(false);
    const escalated = await conversation(true);
    const before = await kept(anonymous.conversationId);
    expect(before.state).toBe(1);
    expect(before.log).toBeGreaterThan(0);
    const retention = new Retention(s.app.services().db!, { conversationDays: 30, directLineLogDays: 7, sweepMs: 60_000 });

    // Nothing is old yet.
    await retention.sweep(new Date());
    expect(await kept(anonymous.conversationId)).toEqual(before);
    // Eight days on: the Direct Line log is past its 7 days, the conversation state not past its 30.
    await retention.sweep(new Date(Date.now() + 8 * DAY_MS));
    expect(await kept(anonymous.conversationId)).toMatchObject({ state: 1, directLine: 0, log: 0 });
    // Thirty-one days on: the anonymous conversation is gone; the escalated one keeps what its ticket reads.
    await retention.sweep(new Date(Date.now() + 31 * DAY_MS));
    expect(await kept(anonymous.conversationId)).toEqual({ state: 0, directLine: 0, log: 0, transcript: 0 });
    const ticketed = await kept(escalated.conversationId);
    expect(ticketed.directLine).toBe(1);
    expect(ticketed.log + ticketed.transcript).toBeGreaterThan(0);
    const transcript = await api(s.base, KEYS.dispatcher, 'GET', `/api/tickets/${escalated.ticketId}/transcript`);
    expect(transcript.status).toBe(200);
    expect(JSON.stringify(await transcript.json())).toMatch(/outriggers/);
  }, 60_000);

  it('sweeps periodically', async () => {
    const anonymous = await conversation(false);
    // Ages of about 50 ms, swept every 100 ms: the conversation goes without anyone calling sweep().
    const retention = new Retention(s.app.services().db!, { conversationDays: 50 / DAY_MS, directLineLogDays: 50 / DAY_MS, sweepMs: 100 });
    retention.start();
    try {
      for (let i = 0; i < 100 && (await kept(anonymous.conversationId)).state > 0; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await retention.stop();
    }
    expect(await kept(anonymous.conversationId)).toEqual({ state: 0, directLine: 0, log: 0, transcript: 0 });
  }, 60_000);
});
