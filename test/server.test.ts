import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

describe('HTTP server: health and /api/suggest', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ embedder: { kind: 'use' } });
  }, 120_000);
  afterAll(() => s.stop());

  const suggest = (body: unknown, key: string | undefined = KEYS.agent) => api(s.base, key, 'POST', '/api/suggest', body);

  it('is healthy once the index is loaded', async () => {
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
  });

  it('suggests faults for a description, for staff with a key', async () => {
    const res = await suggest({ text: 'tower crane trolley will not travel out', limit: 3 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { abstain: boolean; results: { id: string }[] };
    expect(body.results.map((r) => r.id)).toContain('TC-E04');
    expect((await api(s.base, undefined, 'POST', '/api/suggest', { text: 'x' })).status).toBe(401);
  });

  it('answers bad requests with 400 naming the problem', async () => {
    expect((await suggest('{"text": ')).status).toBe(400);
    const missing = await suggest({ limit: 3 });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ issues: [{ field: 'text' }] });
    const wrongLine = await suggest({ text: 'x', productLine: 'XX' });
    expect(((await wrongLine.json()) as { issues: { field: string }[] }).issues[0]!.field).toBe('productLine');
  });

  it('refuses bodies over the size limit', async () => {
    expect((await suggest({ text: 'a'.repeat(200_000) })).status).toBe(413);
  });

  it('serves pages with security headers', async () => {
    const res = await fetch(`${s.base}/chat`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('rate limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ rateLimitScale: 0.01 }); // suggest: 6 a minute per key
  }, 60_000);
  afterAll(() => s.stop());

  it('answers 429 with Retry-After once a key has used its share', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await api(s.base, KEYS.agent, 'POST', '/api/suggest', { text: 'boom slow' })).status);
    expect(statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    const limited = await api(s.base, KEYS.agent, 'POST', '/api/suggest', { text: 'boom slow' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key is not affected.
    expect((await api(s.base, KEYS.dispatcher, 'POST', '/api/suggest', { text: 'boom slow' })).status).toBe(200);
  });
});
