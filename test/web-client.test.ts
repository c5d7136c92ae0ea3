import { join } from 'node:path';
import type { FaultEntry, SuggestResponse, TicketView } from '../src/api/responses.js';
import { moduleGraph } from '../src/server/pages.js';
import { clockStates } from '../src/tickets/sla.js';
import {
  DEFAULT_FILTERS,
  filtersFromSearch,
  filtersToSearch,
  liveClock,
  listQuery,
  nextClock,
  sortByUrgency,
} from '../src/web/dispatch/logic.js';
import { BOARD } from '../src/web/dispatch/text.js';
import { operatorSteps as serverOperatorSteps } from '../src/knowledge/operator-steps.js';
import type { Fault } from '../src/knowledge/schema.js';
import { operatorSteps, stepsTried, technicianCauses, ticketBody, emptyForm, strength } from '../src/web/panel/logic.js';
import { SuggestSearch } from '../src/web/panel/search.js';
import { PANEL } from '../src/web/panel/text.js';
import { Api, ApiError, errorFromAnswer } from '../src/web/shared/api.js';
import { errorMessage } from '../src/web/shared/errors.js';
import { dateTime, duration, shortDateTime } from '../src/web/shared/format.js';
import { catalogue, translator, type ParamNames } from '../src/web/shared/i18n.js';
import { COMMON } from '../src/web/shared/text.js';
import { REPO_ROOT } from './support/paths.js';
import { KEYS, startTestServer, type TestServer } from './support/server.js';

/**
 * The staff pages' pure modules, in Node: message catalogues, Intl formatting, the SLA
 * clock on the board (the server's rule), the panel's script and ticket rules, the
 * suggestion search (against the real server) and the API client's reading of errors.
 */

const HOUR = 3_600_000;

describe('message catalogues', () => {
  const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  it.each([
    ['panel', PANEL],
    ['board', BOARD],
  ])('%s: every key in both languages, with the same parameters', (_name, cat) => {
    expect(Object.keys(cat.zh).sort()).toEqual(Object.keys(cat.en).sort());
    for (const [key, en] of Object.entries(cat.en))
      expect({ key, params: params((cat.zh as Record<string, string>)[key]!) }).toEqual({ key, params: params(en) });
  });

  it('fills parameters, formats numbers and chooses plural forms by Intl.PluralRules', () => {
    const en = translator(BOARD, 'en');
    const zh = translator(BOARD, 'zh');
    expect(en.plural('count', 1)).toBe('1 ticket');
    expect(en.plural('count', 1500)).toBe('1,500 tickets');
    expect(zh.plural('count', 1)).toBe('1 个工单');
    expect(en('signedInAsTech', { role: 'technician', tech: 'T-07' })).toBe('Signed in as technician T-07');
    expect(en.dynamic('st_on_site')).toBe('On site');
    expect(zh.dynamic('st_on_site')).toBe('已到场');
  });

  it('is checked by the compiler (a missing key, a lost parameter or a wrong call does not build)', () => {
    // Each line below would be a compile error without its @ts-expect-error.
    // @ts-expect-error: zh lacks "b"
    catalogue({ a: 'A', b: 'B' }, { a: 'Ä' });
    // @ts-expect-error: zh drops the {n} parameter
    catalogue({ a: '{n} items' }, { a: '项目' });
    // @ts-expect-error: an extra key
    catalogue({ a: 'A' }, { a: 'Ä', c: 'C' });
    const t = translator(COMMON, 'en');
    // @ts-expect-error: unknown key
    t('noSuchKey');
    // @ts-expect-error: missing parameter
    t('errSignIn');
    const p: ParamNames<'{a} and {b}'>[] = ['a', 'b'];
    expect(p).toHaveLength(2);
  });
});

describe('formatting', () => {
  it('durations in each language’s units (no "3d 4h 05m" in Chinese)', () => {
    const ms = 3 * 86_400_000 + 4 * HOUR + 5 * 60_000;
    expect(duration(ms, 'en')).toBe('3d 4h 05m');
    expect(duration(ms, 'zh')).toBe('3天4小时5分钟');
    expect(duration(-(HOUR + 9_000), 'en')).toBe('1h 00m 09s');
    expect(duration(65_000, 'zh')).toBe('1分钟5秒');
  });

  it('dates ISO-ordered and numeric', () => {
    const iso = new Date(2026, 2, 5, 7, 4).toISOString();
    expect(dateTime(iso)).toBe('2026-03-05 07:04');
    expect(shortDateTime(iso)).toBe('03-05 07:04');
    expect(dateTime('nonsense')).toBe('nonsense');
  });
});

const clocks = (created: number) => ({
  clocks: (['respond', 'on_site', 'fixed', 'follow_up'] as const).map((name, i) => ({
    name,
    dueAt: new Date(created + (i + 1) * 24 * HOUR).toISOString(),
  })),
  atRiskFraction: 0.75,
});

function ticket(number: string, created: number, status: TicketView['status'] = 'new'): TicketView {
  const sla = clocks(created);
  const base = { createdAt: new Date(created).toISOString(), status, sla };
  return { number, id: number, ...base, slaStatus: clockStates(base, new Date(created)) } as unknown as TicketView;
}

describe('the board’s clocks follow the server’s rule', () => {
  it('on track, at risk, breached as time passes, as src/tickets/sla.ts says', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const tk = ticket('FT-1', t0);
    const respond = tk.slaStatus[0]!;
    for (const h of [1, 19, 25]) {
      const now = t0 + h * HOUR;
      const server = clockStates(tk, new Date(now))[0]!;
      expect(liveClock(respond, tk, now)).toEqual({ state: server.state, remainingMs: server.remainingMs });
    }
    expect(liveClock(respond, tk, t0 + 19 * HOUR).state).toBe('at-risk');
    expect(liveClock(respond, tk, t0 + 25 * HOUR).state).toBe('breached');
  });

  it('sorts by the earliest unmet deadline; closed tickets have none', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const older = ticket('FT-2', t0 - 10 * HOUR);
    const closed = ticket('FT-0', t0 - 50 * HOUR, 'closed');
    expect(nextClock(closed)).toBeNull();
    expect(sortByUrgency([ticket('FT-3', t0), closed, older]).map((t) => t.number)).toEqual(['FT-2', 'FT-3', 'FT-0']);
  });

  it('puts open tickets of machines that are down first, then by deadline', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const down = { ...ticket('FT-5', t0), machineDown: true };
    const downClosed = { ...ticket('FT-6', t0 - 50 * HOUR, 'closed'), machineDown: true };
    const older = ticket('FT-2', t0 - 10 * HOUR);
    expect(sortByUrgency([older, downClosed, down]).map((t) => t.number)).toEqual(['FT-5', 'FT-2', 'FT-6']);
  });

  it('keeps the filters in the page URL and reads them back', () => {
    const f = { q: 'Zhongjian', status: '', productLine: 'RR', technician: 'T-07', overdue: true, down: true };
    expect(filtersToSearch(f)).toBe('?q=Zhongjian&status=all&line=RR&tech=T-07&overdue=1&down=1');
    expect(filtersFromSearch(filtersToSearch(f))).toEqual(f);
    expect(filtersFromSearch('')).toEqual(DEFAULT_FILTERS);
    expect(filtersToSearch(DEFAULT_FILTERS)).toBe('');
  });

  it('asks for the most urgent first and never sends a technician filter for a technician', () => {
    const f = { q: '', status: 'open', productLine: 'PT', technician: ' T-07 ', overdue: true, down: false };
    expect(listQuery(f, { role: 'dispatcher', technicianId: null }).toString()).toBe(
      'status=open&productLine=PT&technician=T-07&overdue=true&sort=priority&limit=500',
    );
    expect(listQuery({ ...f, q: ' 139 1234 ', down: true }, { role: 'dispatcher', technicianId: null }).toString()).toBe(
      'q=139+1234&status=open&productLine=PT&technician=T-07&overdue=true&down=true&sort=priority&limit=500',
    );
    expect(listQuery(f, { role: 'technician', technicianId: 'T-07' }).has('technician')).toBe(false);
  });
});

describe('the panel against the real server', () => {
  let s: TestServer;
  let api: Api;
  beforeAll(async () => {
    s = await startTestServer();
    api = new Api(() => KEYS.agent, s.base);
  }, 60_000);
  afterAll(() => s.stop());

  it('reads the steps to the caller exactly as the bot would walk the operator through them', async () => {
    for (const id of ['PT-H01', 'PT-H03', 'TC-M03']) {
      const entry: FaultEntry = await api.fault(id);
      const expected = serverOperatorSteps(entry as unknown as Fault).map((st) => st.en);
      expect(operatorSteps(entry).map((st) => st.step.en)).toEqual(expected);
      const tech = technicianCauses(entry).flatMap((c) => c.steps.map((st) => st.step.en));
      expect(tech.some((st) => expected.includes(st))).toBe(false);
    }
  });

  it('turns ticks and the form into a ticket the server accepts', async () => {
    const entry = await api.fault('PT-H01');
    const [first, second] = operatorSteps(entry);
    const ticks = new Map([
      [second!.key, 'fixed' as const],
      [first!.key, 'not-fixed' as const],
    ]);
    const tried = stepsTried(['PT-H01'], new Map([['PT-H01', entry]]), ticks);
    expect(tried.map((x) => x.result)).toEqual(['not-fixed', 'fixed']);
    const form = {
      ...emptyForm(),
      't-customer': 'Harbour',
      't-site': 'Pier 3, Ningbo',
      't-contact': 'Li',
      't-phone': '139 1234 5678',
      't-words': 'boom slow',
    };
    const created = await api.createTicket(ticketBody(form, { id: 'PT-H01', score: 0.9, productLine: 'PT' }, tried), 'web-client-0001');
    expect(created).toMatchObject({ source: 'panel', faults: [{ id: 'PT-H01', confidence: 0.9 }], contact: { phone: '+8613912345678' } });
    expect(strength(0.9)).toBe('strong');
  });

  it('reads every error as the envelope says, and sends no request outside the base', async () => {
    const err = await api.ticket('FT-1999-000001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('not_found');
    const anonymous = new Api(() => null, s.base);
    expect(((await anonymous.me().catch((e: unknown) => e)) as ApiError).kind).toBe('unauthorized');
    const limited = errorFromAnswer(429, { code: 'rate_limited', error: 'slow down' }, '7');
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfter: 7 });
    expect(errorFromAnswer(502, '<html>bad gateway</html>', null).kind).toBe('other');
    const bug = errorFromAnswer(500, { code: 'internal', error: 'internal error', errorId: 'e-42' }, null);
    expect(errorMessage(translator(COMMON, 'en'), bug)).toBe('Unexpected error (HTTP 500): internal error (error id e-42)');
    expect(errorMessage(translator(COMMON, 'zh'), new ApiError(0, 'x', null, [], null, null, 'network'))).toBe(
      '无法连接服务器，请检查网络后重试。',
    );
  });

  it('searches once typing pauses, aborts a superseded search and shows only the newest answer', async () => {
    const sent: string[] = [];
    const aborted: string[] = [];
    let changes = 0;
    const search = new SuggestSearch(
      async (body, signal) => {
        sent.push(body.text);
        signal.addEventListener('abort', () => aborted.push(body.text));
        return api.suggest(body, signal);
      },
      () => changes++,
      () => false,
      { limit: 3, debounceMs: 30 },
    );
    for (const prefix of ['the', 'the boom', 'the boom on my pump truck']) search.type(prefix, '');
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toEqual(['the boom on my pump truck']);
    while (search.pending) await new Promise((r) => setTimeout(r, 10));
    expect(search.shown?.text).toBe('the boom on my pump truck');
    const first = search.run('the roller does not vibrate', '');
    const second = search.run('tower crane trolley will not travel out', '');
    await Promise.all([first, second]);
    expect(aborted).toEqual(['the roller does not vibrate']);
    expect(search.shown?.text).toBe('tower crane trolley will not travel out');
    expect((search.shown?.response as SuggestResponse).results.map((r) => r.id)).toContain('TC-E04');
    expect(search.pending).toBe(false);
    expect(changes).toBeGreaterThan(2);
  });
});

describe('serving the compiled pages', () => {
  it('serves exactly the modules the pages import, at the URLs the browser asks for', () => {
    const out = join(REPO_ROOT, 'dist', 'web');
    const graph = moduleGraph([{ url: '/dispatch/app.js', file: join(out, 'web', 'dispatch', 'app.js') }]);
    expect(graph.get('/dispatch/app.js')).toBe(join(out, 'web', 'dispatch', 'app.js'));
    expect(graph.get('/tickets/sla.js')).toBe(join(out, 'tickets', 'sla.js'));
    expect(graph.get('/shared/api.js')).toBe(join(out, 'web', 'shared', 'api.js'));
    // The contract's types cost nothing at run time: no server schema module is served.
    expect([...graph.keys()].filter((u) => u.startsWith('/api/') || u.includes('model.js'))).toEqual([]);
  });
});
