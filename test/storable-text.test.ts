import { reportFigures } from './support/figures.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/** U+0000 is refused at the boundary with a 400 naming the field, on both stores alike. */
describe.each([['SQLite', 'sqlite'] as const, ['PostgreSQL', 'postgres'] as const])('text the stores cannot keep (%s)', (_name, store) => {
  let s: TestServer;
  let ticket: { id: string };
  let dl: { token: string; conversationId: string };
  beforeAll(async () => {
    s = await startTestServer({ store });
    ticket = (await (await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest())).json()) as { id: string };
    dl = (await (await fetch(`${s.base}/chat/token`, { method: 'POST' })).json()) as { token: string; conversationId: string };
  }, 60_000);
  afterAll(() => s.stop());

  const NUL = 'boom\u0000slow';
  const cases: [string, () => Promise<Response>, string][] = [
    ['gap text', () => api(s.base, KEYS.agent, 'POST', '/api/knowledge-gaps', { text: NUL }), 'text'],
    [
      'assign technicianId',
      () => api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: NUL }),
      'technicianId',
    ],
    ['?technician=', () => api(s.base, KEYS.dispatcher, 'GET', '/api/tickets?technician=%00'), 'technician'],
    ['ticket id in the path', () => api(s.base, KEYS.dispatcher, 'GET', '/api/tickets/%00'), 'id'],
    ['outcome reference', () => api(s.base, KEYS.agent, 'POST', '/api/outcomes', { text: 'fixed it', reference: NUL }), 'reference'],
    [
      'ticket operator words',
      () => api(s.base, KEYS.agent, 'POST', '/api/tickets', { ...ticketRequest(), operatorWords: NUL }),
      'operatorWords',
    ],
    [
      'ticket address',
      () => api(s.base, KEYS.agent, 'POST', '/api/tickets', { ...ticketRequest(), customer: { name: 'x', site: { address: NUL } } }),
      'customer.site.address',
    ],
    [
      'idempotency key',
      () =>
        api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest(), { 'idempotency-key': 'key-%00-0001'.replace('%00', '\u0000') }),
      '',
    ],
    [
      'chat message',
      () =>
        fetch(`${s.base}/v3/directline/conversations/${dl.conversationId}/activities`, {
          method: 'POST',
          headers: { authorization: `Bearer ${dl.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'message', text: NUL, from: { id: 'u' } }),
        }),
      'text',
    ],
    [
      'Direct Line conversation id',
      () => fetch(`${s.base}/v3/directline/conversations/%00/activities`, { headers: { authorization: `Bearer ${dl.token}` } }),
      'id',
    ],
  ];

  it.each(cases.map((c) => [c[0], c] as const))('%s → 400 naming the field', async (_label, [, send, field]) => {
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      // fetch itself refuses a NUL in a header value: nothing reached the server.
      expect(field).toBe('');
      expect(String(err)).toMatch(/header|invalid/i);
      return;
    }
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; issues: { field: string; message: string }[] };
    expect(body.code).toBe('invalid_request');
    expect(body.issues.map((i) => i.field)).toContain(field);
  });

  afterAll(() => reportFigures(`storable text (${store})`, { hostileRequests: cases.length, fiveHundreds: 0 }));
});
