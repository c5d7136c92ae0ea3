import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

describe.each([['SQLite', 'sqlite'] as const, ['PostgreSQL', 'postgres'] as const])('ticket API on %s', (_name, store) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ store });
  }, 60_000);
  afterAll(() => s.stop());

  const create = (key = KEYS.agent, body: unknown = ticketRequest(), headers: Record<string, string> = {}) =>
    api(s.base, key, 'POST', '/api/tickets', body, headers);

  it('creates a ticket (201) and replays it for the same Idempotency-Key (200)', async () => {
    const first = await create(KEYS.agent, ticketRequest(), { 'idempotency-key': 'call-2026-11-26-0001' });
    expect(first.status).toBe(201);
    const ticket = (await first.json()) as { id: string; number: string; slaStatus: unknown[] };
    expect(ticket.slaStatus).toHaveLength(4);
    const again = await create(KEYS.agent, ticketRequest(), { 'idempotency-key': 'call-2026-11-26-0001' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(ticket.id);
    const reused = await create(KEYS.agent, ticketRequest({ machineDown: false }), { 'idempotency-key': 'call-2026-11-26-0001' });
    expect(reused.status).toBe(422);
  });

  it('keeps Idempotency-Keys to their caller: another key replaying one gets its own ticket, and nobody can pre-claim the bot’s', async () => {
    const mine = (await (await create(KEYS.agent, ticketRequest(), { 'idempotency-key': 'shared-key-0001' })).json()) as { id: string };
    const replay = await create(KEYS.dispatcher, ticketRequest(), { 'idempotency-key': 'shared-key-0001' });
    expect(replay.status).toBe(201);
    expect(((await replay.json()) as { id: string }).id).not.toBe(mine.id);
    // An agent takes the key the bot uses for a conversation's first escalation …
    const claimed = (await (await create(KEYS.agent, ticketRequest(), { 'idempotency-key': 'bot:conv-claimed:1' })).json()) as {
      id: string;
    };
    // … and the bot's escalation in that conversation still opens its own ticket.
    const bot = { role: 'bot' as const, label: 'bot' };
    const escalated = await s.app
      .services()
      .tickets!.create(ticketRequest({ source: 'bot', operatorWords: 'from the chat' }), bot, 'bot:conv-claimed:1');
    expect(escalated.created).toBe(true);
    expect(escalated.ticket.id).not.toBe(claimed.id);
    expect(escalated.ticket.operatorWords).toBe('from the chat');
  });

  it('answers 401 without or with an unknown key, 403 for the wrong role', async () => {
    expect((await api(s.base, undefined, 'GET', '/api/tickets')).status).toBe(401);
    expect((await api(s.base, 'not-a-real-key-at-all', 'GET', '/api/tickets')).status).toBe(401);
    expect((await create(KEYS.tech7)).status).toBe(403);
    const res = await api(s.base, KEYS.agent, 'GET', '/api/reports/workload');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toMatch(/dispatcher, admin/);
  });

  it('answers 400 naming the field for invalid bodies and queries', async () => {
    const res = await create(KEYS.agent, { ...ticketRequest(), contact: { name: 'Li', phone: '555' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ issues: [{ field: 'contact.phone' }] });
    expect((await create(KEYS.agent, '{"customer": ')).status).toBe(400);
    expect((await create(KEYS.agent, { ...ticketRequest(), extra: 1 })).status).toBe(400);
    expect((await api(s.base, KEYS.agent, 'GET', '/api/tickets?status=flying')).status).toBe(400);
    expect((await create(KEYS.agent, ticketRequest({ faults: [{ id: 'RR-H01' }] }))).status).toBe(400);
    expect((await create(KEYS.agent, { ...ticketRequest(), operatorWords: 'x'.repeat(70_000) })).status).toBe(413);
  });

  it('404 for an unknown ticket, 409 for an illegal transition, technicians kept to their own', async () => {
    expect((await api(s.base, KEYS.dispatcher, 'GET', '/api/tickets/FT-1999-999999')).status).toBe(404);
    const ticket = (await (await create()).json()) as { id: string; number: string; version: number };
    const illegal = await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/status`, { status: 'on_site' });
    expect(illegal.status).toBe(409);
    expect(await illegal.json()).toMatchObject({ code: 'illegal_transition', error: expect.stringMatching(/cannot become "on_site"/) });
    const assigned = await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.number}/assign`, {
      technicianId: 'T-07',
      expectedVersion: 1,
    });
    expect(assigned.status).toBe(200);
    expect((await api(s.base, KEYS.tech8, 'GET', `/api/tickets/${ticket.id}`)).status).toBe(403);
    expect(
      (await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${ticket.id}/status`, { status: 'en_route', expectedVersion: 1 })).status,
    ).toBe(409);
    expect(
      (await api(s.base, KEYS.tech7, 'POST', `/api/tickets/${ticket.id}/status`, { status: 'en_route', expectedVersion: 2 })).status,
    ).toBe(200);
    const mine = (await (await api(s.base, KEYS.tech7, 'GET', '/api/tickets?status=open')).json()) as { tickets: { id: string }[] };
    expect(mine.tickets.map((t) => t.id)).toEqual([ticket.id]);
  });

  it('closes out through the API and reports workload, SLA compliance and fault counts', async () => {
    const ticket = (await (await create()).json()) as { id: string };
    await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-08' });
    for (const status of ['en_route', 'on_site']) await api(s.base, KEYS.tech8, 'POST', `/api/tickets/${ticket.id}/status`, { status });
    const closeOut = await api(s.base, KEYS.tech8, 'POST', `/api/tickets/${ticket.id}/close-out`, {
      actualFaultId: 'PT-H01',
      causeId: 'c1',
      rootCauseClass: 'operator-error',
      partsUsed: [],
      workDone: 'Showed the operator the boom enable switch',
      minutesOnSite: 20,
    });
    expect(closeOut.status).toBe(200);
    expect(await closeOut.json()).toMatchObject({ status: 'resolved', closeOut: { technicianId: 'T-08' } });
    const workload = (await (await api(s.base, KEYS.dispatcher, 'GET', '/api/reports/workload')).json()) as {
      technicians: { technicianId: string }[];
    };
    expect(workload.technicians.map((t) => t.technicianId)).toContain('T-08');
    const sla = (await (await api(s.base, KEYS.admin, 'GET', '/api/reports/sla')).json()) as { productLines: { productLine: string }[] };
    expect(sla.productLines[0]!.productLine).toBe('PT');
    const faults = await api(s.base, KEYS.admin, 'GET', '/api/reports/faults?from=2020-01-01T00:00:00Z');
    expect(faults.status).toBe(200);
    expect((await api(s.base, KEYS.admin, 'GET', '/api/reports/faults?from=yesterday')).status).toBe(400);
  });

  it('records words the engine could not match as knowledge-gap items', async () => {
    const res = await api(s.base, KEYS.agent, 'POST', '/api/knowledge-gaps', { text: '泵车臂架抖得厉害', productLine: 'PT' });
    expect(res.status).toBe(201);
    const items = await s.app.services().gaps!.list();
    expect(items.find((g) => g.text === '泵车臂架抖得厉害')).toMatchObject({ source: 'abstained', language: 'zh', productLine: 'PT' });
    expect((await api(s.base, KEYS.tech7, 'POST', '/api/knowledge-gaps', { text: 'x' })).status).toBe(403);
    expect((await api(s.base, KEYS.agent, 'POST', '/api/knowledge-gaps', { text: '' })).status).toBe(400);
  });

  it('tells a key its role, sorts by urgency, and serves the manual to staff', async () => {
    expect(await (await api(s.base, KEYS.tech7, 'GET', '/api/me')).json()).toEqual({
      role: 'technician',
      technicianId: 'T-07',
      label: expect.stringMatching(/^technician:T-07#[0-9a-f]{6}$/),
    });
    const due = (await (await api(s.base, KEYS.dispatcher, 'GET', '/api/tickets?status=open&sort=due&_=123')).json()) as {
      serverTime: string;
      tickets: { sla: { clocks: { dueAt: string; metAt?: string }[] } }[];
    };
    const next = due.tickets.map((t) => t.sla.clocks.find((c) => !c.metAt)!.dueAt);
    expect(next).toEqual([...next].sort());
    expect(Date.parse(due.serverTime)).not.toBeNaN();
    const faults = (await (await api(s.base, KEYS.agent, 'GET', '/api/faults')).json()) as { faults: { id: string }[] };
    expect(faults.faults.length).toBeGreaterThanOrEqual(56);
    const entry = (await (await api(s.base, KEYS.agent, 'GET', '/api/faults/TC-M03')).json()) as {
      id: string;
      self_service: string;
      parts: { code: string }[];
      stopWork: { en: string[]; zh: string[] };
    };
    expect([entry.id, entry.self_service]).toEqual(['TC-M03', 'no']);
    expect(entry.parts.length).toBeGreaterThan(0);
    // The tower crane's stop-work list: free-slew before isolation, in both languages.
    expect(entry.stopWork.en.join(' ')).toMatch(/free-slew[\s\S]*isolate/);
    expect(entry.stopWork.zh.length).toBe(entry.stopWork.en.length);
    expect((await api(s.base, KEYS.agent, 'GET', '/api/faults/TC-M99')).status).toBe(404);
    expect((await api(s.base, undefined, 'GET', '/api/faults')).status).toBe(401);
  });

  it('tells each caller which actions it may take on a ticket (the rules the service enforces)', async () => {
    const created = (await (await create()).json()) as { id: string; allowed: unknown };
    expect(created.allowed).toEqual({ assign: false, statuses: ['cancelled'], closeOut: false, inspectionResult: false }); // the agent who opened it
    const asDispatcher = (await (await api(s.base, KEYS.dispatcher, 'GET', `/api/tickets/${created.id}`)).json()) as { allowed: unknown };
    expect(asDispatcher.allowed).toEqual({ assign: true, statuses: ['cancelled'], closeOut: false, inspectionResult: false });
    await api(s.base, KEYS.dispatcher, 'POST', `/api/tickets/${created.id}/assign`, { technicianId: 'T-07' });
    const asTech = (await (await api(s.base, KEYS.tech7, 'GET', `/api/tickets/${created.id}`)).json()) as { allowed: unknown };
    expect(asTech.allowed).toEqual({ assign: false, statuses: ['en_route'], closeOut: false, inspectionResult: false });
  });

  it('records "resolved on the phone" outcomes from staff', async () => {
    const res = await api(s.base, KEYS.agent, 'POST', '/api/outcomes', {
      text: 'caller says the boom is slow',
      productLine: 'PT',
      faultId: 'PT-H01',
      stepsTried: [{ faultId: 'PT-H01', causeId: 'c1', step: 'Raise engine speed', result: 'fixed' }],
    });
    expect(res.status).toBe(201);
    const rows = await s.app.services().db!.query<{ outcome: string }>(`SELECT outcome FROM triage_outcomes WHERE fault_id = 'PT-H01'`);
    expect(rows.map((r) => r.outcome)).toContain('resolved-by-phone');
    expect((await api(s.base, KEYS.tech7, 'POST', '/api/outcomes', { text: 'x' })).status).toBe(403);
  });

  it('serves an OpenAPI document generated from the schemas', async () => {
    const doc = (await (await fetch(`${s.base}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/tickets', '/api/tickets/{id}/close-out']));
  });
});
