import { validate } from '@readme/openapi-parser';
import type { ZodTypeAny } from 'zod';
import * as contract from '../src/api/responses.js';
import type { SuggestResponse as EngineSuggestResponse, Suggestion as EngineSuggestion } from '../src/retrieval/engine.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/**
 * One contract: the OpenAPI document is generated from the zod schemas, passes a
 * well-kept validator, names every route the server has, and the server's real
 * answers match the response schemas exactly (a field the schema does not know is
 * a failure: the document would not describe it).
 */

// The engine's own types must fit the contract's (checked by the compiler).
const suggestionFits: contract.Suggestion = {} as EngineSuggestion;
const responseFits: contract.SuggestResponse = {} as EngineSuggestResponse;
void suggestionFits;
void responseFits;

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

describe('the HTTP contract', () => {
  let s: TestServer;
  let doc: OpenApi;
  beforeAll(async () => {
    s = await startTestServer();
    doc = (await (await fetch(`${s.base}/api/openapi.json`)).json()) as OpenApi;
  }, 60_000);
  afterAll(() => s.stop());

  /** The answer parses, and parsing drops nothing: every field is in the schema. */
  async function answers(schema: ZodTypeAny, res: Response, status: number) {
    const body = (await res.json()) as unknown;
    expect({ status: res.status, body }).toMatchObject({ status });
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new Error(`${res.url}: ${JSON.stringify(parsed.error.issues.slice(0, 5))}`);
    expect(parsed.data).toEqual(body);
    return body;
  }

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    const result = await validate(structuredClone(doc) as never);
    if (!result.valid) throw new Error(JSON.stringify(result.errors, null, 2));
    expect(result.warnings).toEqual([]);
  });

  it('lists the manual’s product-line codes as an enum wherever a code goes, not only a pattern', () => {
    const codes = ['PT', 'CP', 'RR', 'PV', 'TC', 'MM', 'HD'];
    const found: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (!node || typeof node !== 'object') return;
      const s = node as { pattern?: string; enum?: string[] };
      if (s.pattern === '^[A-Z]{2}$') {
        found.push(at);
        expect({ at, enum: s.enum }).toEqual({ at, enum: codes });
      }
      for (const [k, v] of Object.entries(node)) visit(v, `${at}.${k}`);
    };
    visit(doc, '');
    expect(found.length).toBeGreaterThan(10);
    expect(found.some((at) => at.includes('/api/equipment') && at.includes('parameters'))).toBe(true);
  });

  it('describes every API route the server registers, with its responses', () => {
    const routes = (s.app.server.getDebugInfo() as { routes: { method: string; path: string }[] }).routes;
    const apiRoutes = routes.filter((r) => /^\/(api|v3|healthz|readyz|metrics|chat\/token)/.test(r.path));
    expect(apiRoutes.length).toBeGreaterThan(20);
    const missing = apiRoutes
      .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:(\w+)/g, '{$1}') }))
      .filter((r) => !doc.paths[r.path]?.[r.method]);
    expect(missing).toEqual([]);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const success = Object.keys(op.responses).filter((code) => code.startsWith('2'));
        expect({ path, method, success: success.length > 0 }).toEqual({ path, method, success: true });
      }
    }
  });

  it('answers what the schemas say: suggestions, the manual, tickets, reports, the queue', async () => {
    const agent = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      api(s.base, KEYS.agent, method, path, body, headers);
    await answers(contract.healthBody, await fetch(`${s.base}/healthz`), 200);
    await answers(
      contract.suggestResponse,
      await agent('POST', '/api/suggest', { text: 'the boom on my pump truck barely moves', limit: 3 }),
      200,
    );
    await answers(contract.suggestResponse, await agent('POST', '/api/suggest', { text: 'my excavator will not start' }), 200);
    const faults = (await answers(contract.faultsResponse, await agent('GET', '/api/faults'), 200)) as contract.FaultsResponse;
    for (const id of ['PT-H01', 'TC-M03', faults.faults.at(-1)!.id])
      await answers(contract.faultEntry, await agent('GET', `/api/faults/${id}`), 200);
    await answers(contract.meResponse, await agent('GET', '/api/me'), 200);

    const created = (await answers(
      contract.ticketView,
      await agent('POST', '/api/tickets', ticketRequest(), { 'Idempotency-Key': 'contract-0001' }),
      201,
    )) as contract.TicketView;
    await answers(contract.ticketView, await agent('POST', '/api/tickets', ticketRequest(), { 'Idempotency-Key': 'contract-0001' }), 200);
    await answers(contract.ticketList, await agent('GET', '/api/tickets?status=open&sort=due'), 200);
    const dispatcher = (method: string, path: string, body?: unknown) => api(s.base, KEYS.dispatcher, method, path, body);
    await answers(
      contract.ticketView,
      await dispatcher('POST', `/api/tickets/${created.id}/assign`, { technicianId: 'T-07', expectedVersion: 1 }),
      200,
    );
    const tech = (method: string, path: string, body?: unknown) => api(s.base, KEYS.tech7, method, path, body);
    await answers(contract.ticketView, await tech('POST', `/api/tickets/${created.id}/status`, { status: 'en_route' }), 200);
    await answers(contract.ticketView, await tech('POST', `/api/tickets/${created.id}/status`, { status: 'on_site' }), 200);
    await answers(
      contract.ticketView,
      await tech('POST', `/api/tickets/${created.id}/close-out`, {
        actualFaultId: 'PT-H01',
        causeId: 'c1',
        rootCauseClass: 'needs-repair',
        partsUsed: [],
        workDone: 'Replaced the relief valve',
        minutesOnSite: 60,
      }),
      200,
    );
    await answers(contract.ticketView, await tech('GET', `/api/tickets/${created.number}`), 200);
    await answers(contract.gapCreated, await agent('POST', '/api/knowledge-gaps', { text: 'the widget hums' }), 201);
    await answers(
      contract.outcomeCreated,
      await agent('POST', '/api/outcomes', { text: 'boom slow', faultId: 'PT-H01', stepsTried: [] }),
      201,
    );
    await answers(contract.workloadReport, await dispatcher('GET', '/api/reports/workload'), 200);
    await answers(contract.slaReport, await dispatcher('GET', '/api/reports/sla'), 200);
    await answers(contract.faultReport, await dispatcher('GET', '/api/reports/faults'), 200);
    await answers(contract.handoffList, await agent('GET', '/api/handoffs'), 200);
    await answers(contract.chatToken, await fetch(`${s.base}/chat/token`, { method: 'POST' }), 200);
  });

  it('answers errors in the one envelope', async () => {
    await answers(contract.errorBody, await api(s.base, undefined, 'GET', '/api/tickets'), 401);
    await answers(contract.errorBody, await api(s.base, KEYS.agent, 'GET', '/api/tickets/FT-1999-000999'), 404);
    await answers(contract.errorBody, await api(s.base, KEYS.agent, 'POST', '/api/suggest', { limit: 3 }), 400);
    // restify's own answers too: an unknown route, a wrong method, malformed JSON.
    await answers(contract.errorBody, await api(s.base, KEYS.agent, 'GET', '/api/no-such-route'), 404);
    await answers(contract.errorBody, await api(s.base, KEYS.agent, 'DELETE', '/api/suggest'), 405);
    await answers(contract.errorBody, await api(s.base, KEYS.agent, 'POST', '/api/suggest', '{"text": '), 400);
  });
});
