import { emulatorPost, startChannel, type TestChannel } from './support/channel.js';
import { KEYS, startTestServer, type TestServer } from './support/server.js';

/**
 * Talks to /api/messages the way the Bot Framework Emulator does: activities are
 * POSTed with a serviceUrl, and the bot's replies arrive as POSTs to that serviceUrl
 * (here a local HTTP server standing in for the channel).
 */
describe('POST /api/messages (Bot Framework protocol)', () => {
  let s: TestServer;
  let channel: TestChannel;
  const received: {
    path: string;
    body: { type: string; text?: string; suggestedActions?: { actions: { value: string }[] }; speak?: string };
  }[] = [];

  beforeAll(async () => {
    s = await startTestServer({ embedder: { kind: 'use' } });
    channel = await startChannel((path, body) => received.push({ path, body: body as (typeof received)[number]['body'] }));
  }, 120_000);
  afterAll(async () => {
    channel.close();
    await s.stop();
  });

  const post = (activity: Record<string, unknown>) => emulatorPost(s.base, channel.serviceUrl, 'emulator-conv-1', activity);

  const messages = () => received.filter((r) => r.body.type === 'message');

  it('greets on conversationUpdate and answers messages through the serviceUrl', async () => {
    const join = await post({ type: 'conversationUpdate', id: 'a1', membersAdded: [{ id: 'user-1' }] });
    expect(join.status).toBe(200);
    expect(messages().at(-1)?.body.text).toMatch(/service assistant/);
    expect(messages().at(-1)?.path).toMatch(/^\/v3\/conversations\/emulator-conv-1\/activities/);

    const res = await post({ type: 'message', id: 'a2', text: 'the hydraulic oil on my pump truck gets too hot' });
    expect(res.status).toBe(200);
    const reply = messages().at(-1)!.body;
    expect(reply.text).toMatch(/model or serial/);
    // The Emulator is a voice channel for botbuilder's SetSpeakMiddleware: SSML with a voice, in the conversation's language.
    expect(reply.speak).toMatch(
      /^<speak version='1.0' xmlns='http:\/\/www.w3.org\/2001\/10\/synthesis' xml:lang='en-US'><voice name='[^']+'>.*model or serial/,
    );
    expect(reply.suggestedActions?.actions.map((a) => a.value)).toEqual(['Skip']);
    await post({ type: 'message', id: 'a3', text: 'Skip' });
    expect(
      messages()
        .map((m) => m.body.text)
        .join('\n'),
    ).toMatch(/This sounds like: Hydraulic oil temperature too high/);
  });

  it('hands off on "agent": a handoff.initiate event to the channel and a record in the call-center queue', async () => {
    await post({ type: 'message', id: 'a5', text: 'I want to talk to an agent' });
    const event = received.filter((r) => r.body.type === 'event').at(-1)?.body as { name?: string } | undefined;
    expect(event?.name).toBe('handoff.initiate');
    const queue = (await (await fetch(`${s.base}/api/handoffs`, { headers: { authorization: `Bearer ${KEYS.agent}` } })).json()) as {
      handoffs: { conversationId: string; transcript: { text: string }[] }[];
    };
    const mine = queue.handoffs.find((h) => h.conversationId === 'emulator-conv-1');
    expect(mine?.transcript.map((l) => l.text).join('\n')).toMatch(/hydraulic oil on my pump truck/);
  });

  it('exposes Prometheus metrics: turns, latency, matches vs abstentions, outcomes, tickets', async () => {
    const text = await (await fetch(`${s.base}/metrics`)).text();
    expect(text).toMatch(/triage_bot_turns_total\{channel="emulator"\} [1-9]/);
    expect(text).toMatch(/triage_bot_turn_seconds_bucket/);
    expect(text).toMatch(/triage_suggestions_total\{result="match"\} [1-9]/);
    expect(text).toMatch(/triage_outcomes_total\{outcome="handed-off"\} 1/);
    expect(text).toMatch(/triage_http_request_seconds_count\{route="\/api\/messages",method="POST",status="200"\}/);
    expect(text).toMatch(/triage_sla_breached_open_tickets 0/);
  });

  it('refuses a malformed activity with 400 and keeps working', async () => {
    const bad = await fetch(`${s.base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type": ',
    });
    expect(bad.status).toBe(400);
    const ok = await post({ type: 'message', id: 'a4', text: 'start over' });
    expect(ok.status).toBe(200);
  });
});

describe('POST /api/messages with a Microsoft App ID configured', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      botAuth: {
        MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
        MicrosoftAppPassword: 'not-a-real-password',
        MicrosoftAppType: 'MultiTenant',
      },
    });
  }, 60_000);
  afterAll(() => s.stop());

  it('rejects activities without a valid Bot Framework token', async () => {
    const res = await fetch(`${s.base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        text: 'hi',
        channelId: 'emulator',
        serviceUrl: 'http://127.0.0.1:9',
        conversation: { id: 'c' },
        from: { id: 'u' },
        recipient: { id: 'b' },
      }),
    });
    expect(res.status).toBe(401);
  });
});
