import { openChat } from './support/directline.js';
import { KEYS, startTestServer, type TestServer } from './support/server.js';

/** A description no manual phrasing explains, as long as a query may be: it needs the encoder, for ~100 ms or more. */
const slowText = (i: number) => `${'wibble wobble '.repeat(140)}${i}`;

const metric = async (base: string, name: string) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};

describe('the sentence encoder under pressure (real server, real model, one encoder thread)', () => {
  let s: TestServer;
  // The budget is off here: this is the queue-full path (a budget would answer these from the words alone).
  beforeAll(async () => {
    s = await startTestServer({ embedder: { kind: 'use' }, encoder: { threads: 1, maxQueue: 1, budgetMs: 0 } });
  }, 120_000);
  afterAll(() => s.stop());

  const suggest = (text: string, signal?: AbortSignal) =>
    fetch(`${s.base}/api/suggest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal,
    });

  it('answers 503 with Retry-After when the queue is full, and serves what it accepted', async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => suggest(slowText(i))));
    const statuses = responses.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    for (const r of responses.filter((x) => x.status === 503)) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await r.json()).toMatchObject({ code: 'busy' });
    }
    expect(await metric(s.base, 'triage_encoder_refused_busy')).toBeGreaterThan(0);
  }, 60_000);

  it('drops the work of a client that has gone', async () => {
    const before = await metric(s.base, 'triage_encoder_aborted');
    const first = suggest(slowText(100)); // occupies the thread
    await new Promise((r) => setTimeout(r, 30));
    const gone = new AbortController();
    const abandoned = suggest(slowText(101), gone.signal).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 30));
    gone.abort();
    expect(await abandoned).toMatchObject({ name: 'AbortError' });
    const served = await first;
    expect(served.status).toBe(200);
    expect(((await served.json()) as { dense?: string }).dense).toBe('used'); // no budget here: it waited for the encoder
    await new Promise((r) => setTimeout(r, 100));
    expect(await metric(s.base, 'triage_encoder_aborted')).toBe(before + 1);
    // The thread is free again: a new request is served.
    expect((await suggest('the boom on my pump truck barely moves')).status).toBe(200);
  }, 60_000);

  /** Keeps the encoder's queue full with staff requests until stopped. */
  const flood = () => {
    let on = true;
    const clients = Array.from({ length: 6 }, async (_, k) => {
      for (let i = 0; on; i++) await (await suggest(slowText(10_000 * (k + 1) + i))).arrayBuffer();
    });
    return async () => {
      on = false;
      await Promise.all(clients);
    };
  };

  /**
   * The turn whose engine call meets a full queue; the timing is the machine's, so a few
   * attempts. The description is the first message: the bot reads it at once (to put a
   * stop-work fault first), so that is the turn that needs the encoder — a later turn
   * finds its vector in the cache.
   */
  async function busyTurn() {
    for (let attempt = 0; attempt < 8; attempt++) {
      const chat = await openChat(s.base);
      // Words no manual phrasing explains, so the engine must ask the encoder (English: the model is muted for Chinese).
      const description = `my pump truck ${'wibble wobble '.repeat(20)}(${attempt})`;
      const stop = flood();
      await new Promise((r) => setTimeout(r, 20));
      const reply = await chat.say(description);
      await stop();
      if (/one moment/i.test(reply)) return { chat, reply, description };
    }
    throw new Error('the queue was never full when the bot needed the encoder');
  }

  it('tells a chat user "one moment" when busy and keeps the conversation where it was', async () => {
    const { chat, reply, description } = await busyTurn();
    expect(reply).toMatch(/One moment, please/); // after the greeting a first message gets
    const retried = await chat.say(description); // the same message again, now that the encoder is free
    expect(retried).not.toMatch(/one moment|start again/i);
    expect(retried).toMatch(/\?/); // the conversation went on: the bot asks its next question
  }, 120_000);
});

describe('the encoder-time budget (real server, real model)', () => {
  let s: TestServer;
  beforeAll(async () => {
    // No model call is done within 1 ms: every query that needs the encoder is over budget.
    s = await startTestServer({ embedder: { kind: 'use' }, encoder: { threads: 1, budgetMs: 1 } });
  }, 120_000);
  afterAll(() => s.stop());

  const suggest = async (text: string) => {
    const res = await fetch(`${s.base}/api/suggest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { dense?: string; abstain: boolean; results: { id: string }[] };
  };

  it('answers from the words alone when the encoder would be late, and says so', async () => {
    const late = await suggest(slowText(1));
    expect(late.dense).toBe('over-budget');
    expect(await metric(s.base, 'triage_encoder_late')).toBeGreaterThan(0);
    // A description the words decide never asks the encoder; Chinese is not the English model's.
    expect((await suggest('the concrete pump truck boom will not lift, the boom hydraulics are slow to raise')).dense).toBe('not-needed');
    expect((await suggest('泵车臂架抬不起来')).dense).toBeUndefined();
  }, 60_000);
});
