import { readFileSync } from 'node:fs';
import { gzipSync, deflateSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFigures, runAll } from './support/figures.js';
import { killHard, spawnServer, type ServerProcess } from './support/process.js';
import { api, API_KEYS, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/** A small deterministic generator, so a failing case can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const HOSTILE_STRINGS = [
  "'; DROP TABLE tickets; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '${process.exit(1)}',
  '{{constructor.constructor("return process")()}}',
  '\u0000\u0001\u0002',
  '\ud800\udc00\ud800', // a lone surrogate at the end
  '\u202e\u202d',
  '💥'.repeat(500),
  'a'.repeat(9_999),
  '../../../../etc/passwd',
  '%00%0d%0a',
  '__proto__',
];

/** Bodies that must never be accepted by a write endpoint: malformed, mistyped, oversized, hostile. */
function badBodies(rand: () => number): (string | unknown)[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const valid = ticketRequest() as unknown as Record<string, unknown>;
  const out: (string | unknown)[] = [
    '',
    '{',
    '{"text": ',
    'null',
    '[]',
    '"just a string"',
    '12345',
    'true',
    '{"a":1,}',
    "{'single': 'quotes'}",
    '\u0000',
    '['.repeat(20_000) + ']'.repeat(20_000),
    `{"x":${'{"x":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
    'x'.repeat(100_000),
    JSON.stringify({ text: 'y'.repeat(70_000) }),
    JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { polluted: true } } }),
  ];
  for (let i = 0; i < 120; i++) {
    // Start from a valid ticket and break one field in a random way.
    const body = structuredClone(valid);
    const field = pick(Object.keys(body));
    const breakage = pick(['delete', 'null', 'number', 'array', 'object', 'hostile', 'huge', 'extra']);
    if (breakage === 'delete' && ['customer', 'contact', 'equipment', 'operatorWords', 'machineDown'].includes(field)) delete body[field];
    else if (breakage === 'null') body[field] = null;
    else if (breakage === 'number') body[field] = rand() * 1e9;
    else if (breakage === 'array') body[field] = [pick(HOSTILE_STRINGS)];
    else if (breakage === 'object') body[field] = { nested: { deeper: pick(HOSTILE_STRINGS) } };
    else if (breakage === 'hostile' && typeof body[field] === 'boolean') body[field] = pick(HOSTILE_STRINGS);
    else if (breakage === 'huge') body[field] = 'z'.repeat(20_000);
    else body[`extra_${i}`] = pick(HOSTILE_STRINGS);
    out.push(body);
  }
  return out;
}

describe('fuzzing every endpoint with malformed, oversized and hostile input', () => {
  let s: TestServer;
  let ticketId: string;
  let dlToken: string;
  let dlConversation: string;

  beforeAll(async () => {
    s = await startTestServer({ rateLimitScale: 1000 });
    const created = await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest());
    ticketId = ((await created.json()) as { id: string }).id;
    const token = (await (await fetch(`${s.base}/chat/token`, { method: 'POST' })).json()) as { token: string; conversationId: string };
    dlToken = token.token;
    dlConversation = token.conversationId;
  }, 60_000);
  afterAll(() => s.stop());

  it('never answers 5xx, never crashes, and leaves the store unchanged', async () => {
    const rand = prng(20261126);
    const stored = async () =>
      (await s.app.services().db!.query<{ doc: string }>('SELECT doc FROM tickets WHERE id = $1', [ticketId]))[0]!.doc;
    const before = await stored();
    const count = async () => Number((await s.app.services().db!.query<{ n: number }>('SELECT COUNT(*) AS n FROM tickets'))[0]!.n);
    const ticketsBefore = await count();

    const writes: { path: string; key?: string; headers?: Record<string, string> }[] = [
      { path: '/api/tickets', key: KEYS.agent },
      { path: `/api/tickets/${ticketId}/status`, key: KEYS.dispatcher },
      { path: `/api/tickets/${ticketId}/assign`, key: KEYS.dispatcher },
      { path: `/api/tickets/${ticketId}/close-out`, key: KEYS.admin },
      { path: '/api/knowledge-gaps', key: KEYS.agent },
      { path: '/api/outcomes', key: KEYS.agent },
      { path: '/api/suggest', key: KEYS.agent },
      { path: `/v3/directline/conversations/${dlConversation}/activities`, headers: { authorization: `Bearer ${dlToken}` } },
      { path: '/api/messages' },
    ];
    const requests: (() => Promise<Response>)[] = [];
    for (const target of writes) {
      for (const body of badBodies(rand)) {
        requests.push(() =>
          fetch(`${s.base}${target.path}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(target.key ? { authorization: `Bearer ${target.key}` } : {}),
              ...target.headers,
            },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          }),
        );
      }
    }
    // Read endpoints with hostile ids and queries.
    for (const str of HOSTILE_STRINGS) {
      // Lone surrogates cannot be URI-encoded; send their replacement instead (the body tests keep them raw).
      const enc = encodeURIComponent(str.slice(0, 200).replace(/[\ud800-\udfff]/g, '\ufffd'));
      requests.push(() => api(s.base, KEYS.admin, 'GET', `/api/tickets/${enc}`));
      requests.push(() => api(s.base, KEYS.admin, 'GET', `/api/tickets?status=${enc}&productLine=${enc}&technician=${enc}&limit=${enc}`));
      requests.push(() => api(s.base, KEYS.admin, 'GET', `/api/faults/${enc}`));
      requests.push(() => api(s.base, KEYS.admin, 'GET', `/api/reports/sla?from=${enc}`));
      requests.push(() => api(s.base, `${str}`.replace(/[^\x20-\x7e]/g, '?'), 'GET', '/api/tickets'));
      requests.push(() =>
        fetch(`${s.base}/v3/directline/conversations/${enc}/activities?watermark=${enc}`, {
          headers: { authorization: `Bearer ${dlToken}` },
        }),
      );
      requests.push(() => api(s.base, KEYS.agent, 'POST', '/api/suggest', { text: str }));
    }

    const { statuses, failures, fiveHundreds } = await runAll(requests);
    console.log(`fuzz: ${requests.length} requests, statuses ${JSON.stringify(statuses)}`);
    reportFigures('fuzz (malformed bodies, hostile ids)', { hostileRequests: requests.length, fiveHundreds, processExits: 0 });
    expect(requests.length).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);

    // Nothing was written: the ticket is as it was and no ticket was added.
    expect(await stored()).toBe(before);
    expect(await count()).toBe(ticketsBefore);
  }, 180_000);
});

/** Every POST route, with the key it needs (bodyless routes included: they must not read what they do not need). */
function postRoutes(dl: { token: string; conversationId: string }): { path: string; auth?: string; json: boolean }[] {
  return [
    { path: '/api/tickets', auth: KEYS.agent, json: true },
    { path: '/api/suggest', auth: KEYS.agent, json: true },
    { path: '/api/knowledge-gaps', auth: KEYS.agent, json: true },
    { path: '/api/outcomes', auth: KEYS.agent, json: true },
    { path: '/api/messages', json: true },
    { path: `/v3/directline/conversations/${dl.conversationId}/activities`, auth: dl.token, json: true },
    { path: '/chat/token', json: false },
    { path: '/v3/directline/tokens/generate', json: false },
    { path: '/v3/directline/tokens/refresh', auth: dl.token, json: false },
    { path: '/v3/directline/conversations', auth: dl.token, json: false },
  ];
}

function multipart(sizeBytes: number): { body: Buffer; type: string } {
  const boundary = '----fuzz' + 'x'.repeat(20);
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--${boundary}--\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), Buffer.alloc(sizeBytes, 7), Buffer.from(tail)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('bodies no route may parse: compressed, bombs, multipart, other types', () => {
  let server: ServerProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fuzz-bodies-'));
    const keys = API_KEYS.map((k) => [k.secret, k.role, k.technicianId].filter(Boolean).join(':')).join(',');
    server = await spawnServer({ DATA_DIR: dataDir, API_KEYS: keys, RATE_LIMIT_SCALE: '1000' });
  }, 60_000);
  afterAll(async () => {
    await killHard(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses them with 415/413 before reading, or ignores them where no body is needed; the process stays up', async () => {
    const dl = (await (await fetch(`${server.base}/chat/token`, { method: 'POST' })).json()) as { token: string; conversationId: string };
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // ~64 KB that inflates to 64 MB
    const json = Buffer.from(JSON.stringify({ text: 'boom slow' }));
    const upload = multipart(1024 * 1024);
    const bodies: { name: string; headers: Record<string, string>; body: Buffer }[] = [
      {
        name: 'gzip header, body not gzip',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: Buffer.from('notgzip'),
      },
      { name: 'gzip bomb', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb },
      { name: 'deflate', headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, body: deflateSync(json) },
      { name: 'br (not brotli)', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: json },
      {
        name: 'stacked encodings',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip, identity' },
        body: gzipSync(json),
      },
      { name: 'unknown encoding', headers: { 'content-type': 'application/json', 'content-encoding': 'x-evil' }, body: json },
      { name: 'multipart upload', headers: { 'content-type': upload.type }, body: upload.body },
      { name: 'octet-stream', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(200_000, 1) },
      { name: 'text/plain', headers: { 'content-type': 'text/plain' }, body: json },
      { name: 'form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('a=1&b=2') },
      { name: 'json, latin-1', headers: { 'content-type': 'application/json; charset=latin1' }, body: json },
      {
        name: 'json, invalid utf-8',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      },
      {
        name: 'json, 1 MB',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ text: 'y'.repeat(1024 * 1024) })),
      },
    ];
    const routes = postRoutes(dl);
    const requests: (() => Promise<Response>)[] = [];
    const expectations: { route: string; body: string; json: boolean }[] = [];
    const seen: { route: string; body: string; status: number }[] = [];
    for (let round = 0; round < 3; round++) {
      for (const r of routes) {
        for (const b of bodies) {
          expectations.push({ route: r.path, body: b.name, json: r.json });
          requests.push(async () => {
            const res = await fetch(`${server.base}${r.path}`, {
              method: 'POST',
              headers: { ...b.headers, ...(r.auth ? { authorization: `Bearer ${r.auth}` } : {}) },
              body: b.body,
            });
            seen.push({ route: r.path, body: b.name, status: res.status });
            return res;
          });
        }
      }
    }
    const rssBefore = rssMb(server.child.pid!);
    const { statuses, failures, fiveHundreds } = await runAll(requests, 32);
    const rssAfter = rssMb(server.child.pid!);
    console.log(
      `bodies: ${requests.length} requests, statuses ${JSON.stringify(statuses)}, RSS ${Math.round(rssBefore)} → ${Math.round(rssAfter)} MB`,
    );

    expect(failures).toEqual([]);
    // Routes that take JSON refuse every one of these bodies before parsing anything.
    const jsonAnswers = seen.filter((x) => routes.find((r) => r.path === x.route)!.json && x.body !== 'json, 1 MB');
    expect(jsonAnswers.every((x) => x.status === 415 || (x.body === 'json, invalid utf-8' && x.status === 400))).toBe(true);
    expect(seen.filter((x) => x.body === 'json, 1 MB' && routes.find((r) => r.path === x.route)!.json).every((x) => x.status === 413)).toBe(
      true,
    );
    // The bombs were never inflated: the server grew by far less than one of them would take.
    expect(rssAfter - rssBefore).toBeLessThan(200);
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    // Nothing slipped past the root causes into the last-line process guards.
    expect(server.output()).not.toMatch(/unhandled promise rejection|uncaught exception/);
    reportFigures('fuzz (encodings, gzip bombs, multipart)', {
      hostileRequests: requests.length,
      fiveHundreds,
      processExits: server.child.exitCode === null ? 0 : 1,
    });
  }, 180_000);
});
