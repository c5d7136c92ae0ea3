import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

const HEADER = 'serial,model,product_line,customer,site,accepted_on,warranty_months,contact_phone,plan';

const csv = (...rows: string[]) => [HEADER, ...rows].join('\r\n') + '\r\n';

const GOOD = csv(
  'zl56x-2026-0012,56X-6RZ,PT,Harbour Construction,"88 Binjiang Rd, Shanghai",2026-03-15,24,139 1234 5678,',
  'TC-7020-0003,TC7020,塔吊,Harbour Construction,"Block 7, Riverside Park, Wuhan",2024-01-10,12,,standard',
  'RR-26-0101,XS263J,road roller,"Li Brothers ""Roadworks""",Hefei ring road,2025-11-01,12,+86 138 0013 8000,',
);

function importCsv(base: string, body: string, key = KEYS.dispatcher, type = 'text/csv') {
  return fetch(`${base}/api/equipment/import`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body });
}

interface ImportAnswer {
  imported: number;
  updated: number;
  unchanged?: number;
  problems: { line: number; field: string; error: string }[];
}

describe.each([['SQLite', 'sqlite'] as const, ['PostgreSQL', 'postgres'] as const])('installed base on %s', (_name, store) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ store });
  }, 60_000);
  afterAll(() => s.stop());

  it('imports a fleet file, and a re-import updates what changed', async () => {
    const first = await importCsv(s.base, GOOD);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ imported: 3, updated: 0, unchanged: 0, problems: [] });

    const changed = GOOD.replace('Hefei ring road', '"Hefei ring road, section 2"').replace(
      '2024-01-10,12,,standard',
      '2024-01-10,12,,premium',
    );
    const again = (await (
      await importCsv(s.base, changed + 'HD-0001,ZT-32,HD,Deep Bore Ltd,Chengdu,2026-06-01,12,,\r\n')
    ).json()) as ImportAnswer;
    expect(again).toEqual({ imported: 1, updated: 2, unchanged: 1, problems: [] });

    const m = (await (await api(s.base, KEYS.agent, 'GET', '/api/equipment/TC-7020-0003')).json()) as Record<string, unknown>;
    expect(m).toMatchObject({ serial: 'TC-7020-0003', productLine: 'TC', plan: 'premium', warrantyEnd: '2025-01-09', inWarranty: false });
    const roller = (await (await api(s.base, KEYS.agent, 'GET', '/api/equipment/rr-26-0101')).json()) as Record<string, unknown>;
    expect(roller).toMatchObject({
      customer: 'Li Brothers "Roadworks"',
      site: 'Hefei ring road, section 2',
      contactPhone: '+8613800138000',
      plan: 'basic',
    });
  });

  it('refuses a broken file whole and names every problem by line and field', async () => {
    const broken = csv(
      'PT-NEW-0001,56X,PT,New Customer,Site A,2026-02-01,24,,',
      'PT-NEW-0002,56X,excavator,New Customer,Site A,2026-02-30,two,555,gold',
      'PT-NEW-0001,56X,PT,New Customer,Site A,2026-02-01,24,,',
      ',56X,PT,,Site A,2999-01-01,24,,',
      'PT-NEW-0003,56X,PT,New Customer',
    );
    const res = await importCsv(s.base, broken);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ImportAnswer & { code: string; issues: unknown[] };
    expect(body).toMatchObject({ code: 'invalid_csv', imported: 0, updated: 0 });
    const at = (line: number) =>
      body.problems
        .filter((p) => p.line === line)
        .map((p) => p.field)
        .sort();
    expect(at(3)).toEqual(['accepted_on', 'contact_phone', 'plan', 'product_line', 'warranty_months']);
    expect(at(4)).toEqual(['serial']);
    expect(body.problems.find((p) => p.line === 4)!.error).toMatch(/already on line 2/);
    expect(at(5)).toEqual(['accepted_on', 'customer', 'serial']);
    expect(at(6)).toEqual(['row']);
    expect(body.issues).toHaveLength(body.problems.length);
    // Nothing of it landed, not even the good first row.
    expect((await api(s.base, KEYS.agent, 'GET', '/api/equipment/PT-NEW-0001')).status).toBe(404);
  });

  it('reports a bad header, bad CSV syntax, wrong types, encodings and sizes', async () => {
    const header = (await (await importCsv(s.base, 'serial,model,colour\nX1,Y,red\n')).json()) as ImportAnswer;
    expect(header.problems).toEqual(
      expect.arrayContaining([
        { line: 1, field: 'colour', error: expect.stringMatching(/unknown column/) },
        { line: 1, field: 'product_line', error: 'required column missing' },
      ]),
    );
    const quote = (await (await importCsv(s.base, csv('PT-Q-1,56X,PT,"Unclosed,Site,2026-01-01,12,,'))).json()) as ImportAnswer;
    expect(quote.problems).toEqual([{ line: 2, field: 'csv', error: expect.stringMatching(/never closed/) }]);
    expect((await importCsv(s.base, '', KEYS.dispatcher)).status).toBe(400);
    expect((await importCsv(s.base, GOOD, KEYS.dispatcher, 'application/json')).status).toBe(415);
    expect((await importCsv(s.base, GOOD, KEYS.dispatcher, 'text/csv; charset=latin1')).status).toBe(415);
    const latin1 = Buffer.concat([Buffer.from(HEADER + '\n'), Buffer.from('PT-L-1,56X,PT,Caf\xe9,Site,2026-01-01,12,,\n', 'latin1')]);
    const enc = await fetch(`${s.base}/api/equipment/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'text/csv' },
      body: latin1,
    });
    expect(enc.status).toBe(400);
    expect(await enc.json()).toMatchObject({ code: 'invalid_encoding' });
    const big = csv(
      ...Array.from(
        { length: 30_000 },
        (_, i) => `BIG-${i},56X,PT,Bulk Customer,"A long site address to make the file large",2026-01-01,12,,`,
      ),
    );
    expect((await importCsv(s.base, big)).status).toBe(413);
    // A byte-order mark and LF line ends, as spreadsheets write them.
    const bom = await importCsv(s.base, '\ufeff' + HEADER + '\nBOM-0001,56X,PT,Bom Co,Site,2026-01-01,12,,\n');
    expect(await bom.json()).toMatchObject({ imported: 1 });
  });

  it('lets admin and dispatch import, and every staff role read', async () => {
    expect((await importCsv(s.base, GOOD, KEYS.agent)).status).toBe(403);
    expect((await importCsv(s.base, GOOD, KEYS.tech7)).status).toBe(403);
    expect((await importCsv(s.base, GOOD, KEYS.admin)).status).toBe(200);
    expect((await importCsv(s.base, GOOD, 'no-such-key-000000000')).status).toBe(401);
    for (const key of [KEYS.agent, KEYS.dispatcher, KEYS.tech7, KEYS.admin]) {
      expect((await api(s.base, key, 'GET', '/api/equipment/ZL56X-2026-0012')).status).toBe(200);
    }
    expect((await api(s.base, undefined, 'GET', '/api/equipment/ZL56X-2026-0012')).status).toBe(401);
    const found = (await (await api(s.base, KEYS.agent, 'GET', '/api/equipment?q=harbour')).json()) as { machines: { serial: string }[] };
    expect(found.machines.map((m) => m.serial).sort()).toEqual(['TC-7020-0003', 'ZL56X-2026-0012']);
    const prefix = (await (await api(s.base, KEYS.agent, 'GET', '/api/equipment?q=zl56')).json()) as { machines: { serial: string }[] };
    expect(prefix.machines.map((m) => m.serial)).toEqual(['ZL56X-2026-0012']);
    expect((await api(s.base, KEYS.agent, 'GET', '/api/equipment/%20')).status).toBe(400);
  });

  it('links tickets to their machine: history, plan, and warranty deciding billable', async () => {
    const inWarranty = await api(
      s.base,
      KEYS.agent,
      'POST',
      '/api/tickets',
      ticketRequest({ equipment: { productLine: 'PT', serial: ' zl56x-2026-0012' } }),
    );
    expect(inWarranty.status).toBe(201);
    const a = (await inWarranty.json()) as {
      number: string;
      equipment: { serial: string; model: string };
      billing: { billable: boolean };
      serviceTier: string;
    };
    expect(a).toMatchObject({
      equipment: { serial: 'ZL56X-2026-0012', model: '56X-6RZ' },
      billing: { billable: false, reason: expect.stringMatching(/in warranty until 2028-03-14/) },
    });

    const expired = (await (
      await api(
        s.base,
        KEYS.agent,
        'POST',
        '/api/tickets',
        ticketRequest({ equipment: { productLine: 'TC', serial: 'TC-7020-0003' }, faults: [{ id: 'TC-E01' }] }),
      )
    ).json()) as {
      billing: { billable: boolean };
      serviceTier: string;
    };
    expect(expired).toMatchObject({ billing: { billable: true }, serviceTier: 'standard' });

    const unknown = (await (
      await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest({ equipment: { productLine: 'PT', serial: 'NOT-KNOWN-1' } }))
    ).json()) as { billing: { billable: null } };
    expect(unknown.billing.billable).toBeNull();

    const wrongLine = await api(
      s.base,
      KEYS.agent,
      'POST',
      '/api/tickets',
      ticketRequest({ equipment: { productLine: 'RR', serial: 'ZL56X-2026-0012' }, faults: [] }),
    );
    expect(wrongLine.status).toBe(400);
    expect(await wrongLine.json()).toMatchObject({
      issues: [{ field: 'equipment.productLine', message: expect.stringMatching(/is a PT machine/) }],
    });

    const machine = (await (await api(s.base, KEYS.tech7, 'GET', '/api/equipment/ZL56X-2026-0012')).json()) as {
      tickets: { number: string; kind: string; operatorWords?: string }[];
    };
    expect(machine.tickets.map((t) => t.number)).toEqual([a.number]);
    expect(machine.tickets[0]).toMatchObject({ kind: 'fault' });
    expect(machine.tickets[0]!.operatorWords).toBeUndefined();
    const filtered = (await (await api(s.base, KEYS.dispatcher, 'GET', '/api/tickets')).json()) as { tickets: unknown[] };
    expect(filtered.tickets.length).toBeGreaterThanOrEqual(3);
  });
});
