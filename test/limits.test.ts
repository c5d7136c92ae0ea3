import { reportFigures } from './support/figures.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

const statusesOf = async (n: number, send: () => Promise<Response>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await send();
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
};

describe('rate limits run first, on every route', () => {
  let s: TestServer;
  beforeAll(async () => {
    // api: 24 a minute per address; pages: 12; the bot endpoint: 30; new conversations: 1 per 10 minutes.
    s = await startTestServer({ rateLimitScale: 0.01 });
  }, 60_000);
  afterAll(() => s.stop());

  it('limits a flood of wrong keys before authentication', async () => {
    const statuses = await statusesOf(30, () => api(s.base, `wrong-key-${Math.random()}`, 'GET', '/api/tickets'));
    expect(statuses.slice(0, 24).every((x) => x === 401)).toBe(true);
    expect(statuses.slice(24).every((x) => x === 429)).toBe(true);
    const limited = await api(s.base, KEYS.admin, 'GET', '/api/faults');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: 'rate_limited' });
    reportFigures('limits (wrong-key flood)', { hostileRequests: statuses.length, fiveHundreds: 0 });
  });

  it('limits the Bot Framework endpoint and unknown routes too', async () => {
    const bot = await statusesOf(32, () =>
      fetch(`${s.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    );
    expect(bot.slice(0, 30).every((x) => x === 400)).toBe(true);
    expect(bot.slice(30)).toEqual([429, 429]);
    const unknown = await statusesOf(14, () => fetch(`${s.base}/no/such/page`));
    expect(unknown.slice(0, 12).every((x) => x === 404)).toBe(true);
    expect(unknown.slice(12)).toEqual([429, 429]);
    reportFigures('limits (bot endpoint, unknown routes)', { hostileRequests: bot.length + unknown.length, fiveHundreds: 0 });
  });

  it('gives each address a quota of new anonymous conversations', async () => {
    expect((await fetch(`${s.base}/chat/token`, { method: 'POST' })).status).toBe(200);
    const again = await fetch(`${s.base}/v3/directline/conversations`, { method: 'POST' });
    expect(again.status).toBe(429);
  });
});

describe('rate-limit counters shared by two instances on one PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ store: 'postgres', rateLimitScale: 0.01 });
    b = await startTestServer({ store: 'postgres', rateLimitScale: 0.01, schema: a.schema });
  }, 60_000);
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  it('lets the two together take one limit, not two', async () => {
    // 12 a minute per key on /api (24 per address); alternating between the instances.
    let i = 0;
    const statuses = await statusesOf(60, () => api(i++ % 2 ? b.base : a.base, KEYS.dispatcher, 'GET', '/api/tickets'));
    const accepted = statuses.filter((x) => x === 200).length;
    expect(statuses.filter((x) => x !== 200 && x !== 429)).toEqual([]);
    // Each instance counting alone would accept 24.
    expect(accepted).toBeLessThan(24);
    expect(accepted).toBeGreaterThanOrEqual(12);
  });
});

describe('Direct Line secret and token life', () => {
  const secret = 'directline-secret-0123456789';
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ directLineSecret: secret, rateLimitScale: 100 });
  }, 60_000);
  afterAll(() => s.stop());

  it('gates every way to a token with the secret', async () => {
    for (const path of ['/chat/token', '/v3/directline/tokens/generate', '/v3/directline/conversations']) {
      expect([path, (await fetch(`${s.base}${path}`, { method: 'POST' })).status]).toEqual([path, 401]);
      expect([
        path,
        (await fetch(`${s.base}${path}`, { method: 'POST', headers: { authorization: 'Bearer not-the-secret-at-all' } })).status,
      ]).toEqual([path, 401]);
    }
    // The organisation's backend exchanges the secret for a token its page uses.
    const issued = await fetch(`${s.base}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(issued.status).toBe(200);
    const { token, conversationId } = (await issued.json()) as { token: string; conversationId: string };
    const started = await fetch(`${s.base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(started.status).toBe(201);
    expect(((await started.json()) as { conversationId: string }).conversationId).toBe(conversationId);
  });

  it('reports the true remaining life of a token, and refresh extends it', async () => {
    const { token, conversationId } = (await (
      await fetch(`${s.base}/chat/token`, { method: 'POST', headers: { authorization: `Bearer ${secret}` } })
    ).json()) as { token: string; conversationId: string };
    const db = s.app.services().db!;
    const soon = new Date(Date.now() + 60_000).toISOString();
    await db.run(`UPDATE directline_conversations SET token_expires_at = $1 WHERE id = $2`, [soon, conversationId]);
    const life = async () =>
      (
        (await (
          await fetch(`${s.base}/v3/directline/conversations/${conversationId}`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { expires_in: number }
      ).expires_in;
    expect(await life()).toBeLessThanOrEqual(60);
    const refreshed = await fetch(`${s.base}/v3/directline/tokens/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await refreshed.json()) as { expires_in: number }).expires_in).toBe(86_400);
    expect(await life()).toBeGreaterThan(86_000);

    await db.run(`UPDATE directline_conversations SET token_expires_at = $1 WHERE id = $2`, [
      new Date(Date.now() - 1000).toISOString(),
      conversationId,
    ]);
    expect(
      (await fetch(`${s.base}/v3/directline/tokens/refresh`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${s.base}/v3/directline/conversations/${conversationId}/activities`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(401);
  });
});
