/**
 * Adding a product line is a data change: a copy of knowledge/ with an eighth line (SB,
 * placing boom; test/fixtures/eighth-line) is validated, served by the API, ticketed,
 * offered and recognised by the bot, and listed on the staff pages, with no code change.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import type { FaultsResponse, TicketView } from '../src/api/responses.js';
import { launchBrowser, until } from './support/browser.js';
import { openChat } from './support/directline.js';
import { knowledgeWithEighthLine } from './support/eighth-line.js';
import { REPO_ROOT } from './support/paths.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

const TIMEOUT = 240_000;

describe('an eighth product line added as data', () => {
  let dir: string;
  let srv: TestServer;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = knowledgeWithEighthLine();
    srv = await startTestServer({ knowledgeDir: dir });
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, TIMEOUT);

  const json = async <T>(res: Response) => ({ status: res.status, body: (await res.json()) as T });

  it('passes validation (the CLI, as an author runs it)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'validate'], {
      env: { ...process.env, KNOWLEDGE_DIR: dir, LOG_LEVEL: 'silent' },
    });
    expect(stdout).toMatch(/on 8 product lines/);
    expect(stdout).toMatch(/on 8 lines/);
  });

  it('is served by /api/faults and /api/parts, and codes from outside are checked against it', async () => {
    const faults = await json<FaultsResponse>(await api(srv.base, KEYS.agent, 'GET', '/api/faults'));
    expect(faults.body.productLines.map((l) => l.code)).toEqual(['PT', 'CP', 'RR', 'PV', 'TC', 'MM', 'HD', 'SB']);
    expect(faults.body.productLines.at(-1)).toMatchObject({ code: 'SB', name: { en: 'concrete placing boom', zh: '布料机' } });
    expect(
      faults.body.faults
        .filter((f) => f.productLine === 'SB')
        .map((f) => f.id)
        .sort(),
    ).toEqual(['SB-E01', 'SB-H01']);
    expect((await api(srv.base, KEYS.agent, 'GET', '/api/faults/SB-H01')).status).toBe(200);
    const parts = await json<{ parts: { code: string }[] }>(await api(srv.base, KEYS.agent, 'GET', '/api/parts?productLine=SB'));
    expect(parts.body.parts.length).toBeGreaterThan(0);
    expect(parts.body.parts.every((p) => p.code.startsWith('SB-'))).toBe(true);

    const unknown = await json<{ code: string; issues: { field: string; message: string }[] }>(
      await api(srv.base, KEYS.agent, 'GET', '/api/parts?productLine=ZZ'),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_request', issues: [{ field: 'productLine' }] });
    expect(unknown.body.issues[0]!.message).toMatch(/ZZ.*SB/);
  });

  it('is one of the product-line codes the OpenAPI document lists', async () => {
    const doc = (await (await fetch(`${srv.base}/api/openapi.json`)).json()) as {
      components: { schemas: { Ticket: { properties: { equipment: { properties: { productLine: { enum?: string[] } } } } } } };
    };
    expect(doc.components.schemas.Ticket.properties.equipment.properties.productLine.enum).toEqual([
      'PT',
      'CP',
      'RR',
      'PV',
      'TC',
      'MM',
      'HD',
      'SB',
    ]);
  });

  it('is found by the engine, filtered by its code and named in free text', async () => {
    const filtered = await json<{ abstain: boolean; results: { id: string; productLine: string }[] }>(
      await api(srv.base, KEYS.agent, 'POST', '/api/suggest', { text: 'the boom sinks by itself when we stop', productLine: 'SB' }),
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.results[0]).toMatchObject({ id: 'SB-H01', productLine: 'SB' });
    const named = await json<{ detectedProductLine?: string; results: { id: string }[] }>(
      await api(srv.base, KEYS.agent, 'POST', '/api/suggest', { text: '布料机遥控器按了没反应' }),
    );
    expect(named.body.detectedProductLine).toBe('SB');
    expect(named.body.results[0]?.id).toBe('SB-E01');
  });

  it('takes a ticket and a technician skilled in it, and lists its tickets by line', async () => {
    const created = await json<TicketView>(
      await api(
        srv.base,
        KEYS.agent,
        'POST',
        '/api/tickets',
        ticketRequest({
          equipment: { productLine: 'SB', model: 'HGY-28' },
          faults: [{ id: 'SB-H01', confidence: 0.8 }],
          operatorWords: 'the placing boom creeps down during the pour',
          stepsTried: [],
        }),
      ),
    );
    expect(created.status).toBe(201);
    expect(created.body.equipment.productLine).toBe('SB');
    const listed = await json<{ tickets: TicketView[] }>(await api(srv.base, KEYS.dispatcher, 'GET', '/api/tickets?productLine=SB'));
    expect(listed.body.tickets.map((t) => t.number)).toEqual([created.body.number]);
    const wrong = await api(
      srv.base,
      KEYS.agent,
      'POST',
      '/api/tickets',
      ticketRequest({ equipment: { productLine: 'SB' }, faults: [{ id: 'PT-H01' }] }),
    );
    expect(wrong.status).toBe(400);
    const roster = await api(srv.base, KEYS.admin, 'POST', '/api/technicians', {
      id: 'T-42',
      name: 'Sun Wei',
      phone: '+8613800000042',
      skills: ['SB', 'PT'],
      region: 'Pudong',
      active: true,
    });
    expect(roster.status).toBe(201);
  });

  it('is offered and recognised by the bot, and named in its not-our-machine answer', async () => {
    const offered = await openChat(srv.base);
    const question = await offered.say('it is broken');
    expect(question).toMatch(/Which machine/);
    expect(question).toContain('[Concrete placing boom]');
    expect(await offered.say('Concrete placing boom')).toMatch(/model or serial/);

    const named = await openChat(srv.base);
    const reply = await named.say('the placing boom remote does nothing');
    expect(reply).not.toMatch(/Which machine/);
    expect(reply).toMatch(/model or serial/);

    const other = await openChat(srv.base);
    expect(await other.say('my excavator tracks won’t turn')).toMatch(/concrete placing boom/);
    const zh = await openChat(srv.base);
    expect(await zh.say('挖掘机动臂下沉')).toMatch(/布料机/);
  });

  it(
    'is listed on the panel and the dispatch board',
    async () => {
      browser = await launchBrowser();
      const page = await (await browser.newContext()).newPage();
      const optionsOf = async (selector: string) => {
        const options = page.locator(`${selector} option`);
        const values = await options.evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
        const labels = await options.allTextContents();
        return values.map((v, i) => `${v}=${labels[i] ?? ''}`);
      };
      for (const [path, key, select] of [
        ['/panel', KEYS.agent, '#line-filter'],
        ['/dispatch', KEYS.dispatcher, '#f-line'],
      ] as const) {
        await page.goto(`${srv.base}${path}`);
        await page.locator('#api-key').fill(key);
        await page.locator('#api-key').press('Enter');
        const options = await until(
          () => optionsOf(select),
          (o) => o.some((x) => x.startsWith('SB=')),
          `the SB option on ${path}`,
        );
        expect(options.find((o) => o.startsWith('SB='))).toMatch(/placing boom/);
      }
    },
    TIMEOUT,
  );
});
