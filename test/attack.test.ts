import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createSchema, dropSchema, TEST_DATABASE_URL } from './support/databases.js';
import { reportFigures } from './support/figures.js';
import { killHard, spawnServer, type ServerProcess } from './support/process.js';
import { API_KEYS, KEYS } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/**
 * An attack run against the whole running server, as its own process (so an exit is seen):
 * every route of the OpenAPI document with hostile path parameters, queries and bodies,
 * with every role's key and none; CSV and multipart where they are taken; slow clients;
 * garbage WebSocket upgrades; concurrent assigns of one ticket. Counts requests, 5xx and
 * exits; no 5xx, no hang, no internals in a body, and the process still serves after.
 */
const PARAMS = [
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%00',
  '\u202e\u0000x',
  'x'.repeat(3000),
  '-1',
  '9'.repeat(40),
  '%E0%A4%A',
  "' OR 1=1 --",
  'constructor',
  '__proto__',
];
const BODIES: unknown[] = [
  null,
  [],
  'not json',
  { __proto__: { admin: true }, constructor: { prototype: { x: 1 } } },
  { text: '\u0000', name: '\u202e\u2066evil', id: '../x', technicianId: '\u0000', status: 1e308, limit: -1 },
  `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, // deeper than any parser's stack
  { x: 'y'.repeat(60_000) },
  Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
  { csv: 'serial,model\n"unterminated', rows: [{ serial: '\u0000' }] },
];
const INTERNALS = /ECONNRESET|ENOENT|at [\w.]+ \(|node_modules|SQLITE_|syntax error at or near|stack/;
/** No key, the least and the most privileged (on PostgreSQL no key and admin: the same routes, a shorter run). */
const KEYS_TO_TRY = { sqlite: [undefined, KEYS.tech7, KEYS.admin], postgres: [undefined, KEYS.admin] };

interface OpenApi {
  paths: Record<string, Record<string, unknown>>;
}

async function attack(server: ServerProcess, keys: (string | undefined)[]) {
  const doc = (await (await fetch(`${server.base}/api/openapi.json`)).json()) as OpenApi;
  const created = await fetch(`${server.base}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.agent}`, 'content-type': 'application/json' },
    body: JSON.stringify(ticketRequest()),
  });
  const ticket = (await created.json()) as { id: string };
  // A Direct Line token and its conversation: the Direct Line routes (activities, upload, stream) are tried with it too.
  const dl = (await (await fetch(`${server.base}/chat/token`, { method: 'POST' })).json()) as { token: string; conversationId: string };
  const requests: { method: string; url: string; init: RequestInit }[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
      const directLine = path.startsWith('/v3/directline');
      const params = path.includes('{')
        ? PARAMS.map((p) => encodeURIComponent(p).slice(0, 4000)).concat([directLine ? dl.conversationId : ticket.id])
        : [''];
      for (const p of params) {
        const url = `${server.base}${path.replace(/\{[^}]+\}/g, p)}`;
        for (const key of directLine ? [...keys, dl.token] : keys) {
          const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
          if (method === 'GET' || method === 'DELETE') {
            requests.push({
              method,
              url: `${url}?limit=${encodeURIComponent(PARAMS[requests.length % PARAMS.length]!)}&from=%00&status=open&q=\u202e`,
              init: { headers: auth },
            });
            continue;
          }
          for (const body of BODIES) {
            requests.push({
              method,
              url,
              init: {
                headers: { ...auth, 'content-type': 'application/json' },
                body: typeof body === 'string' ? body : JSON.stringify(body),
              },
            });
          }
          requests.push({
            method,
            url,
            init: { headers: { ...auth, 'content-type': 'text/csv' }, body: 'serial,model,customer\n\u0000,"x\n' + 'a,b,c\n'.repeat(2000) },
          });
          requests.push({
            method,
            url,
            init: {
              headers: { ...auth, 'content-type': 'multipart/form-data; boundary=xx' },
              body: '--xx\r\nContent-Disposition: form-data; name="file"; filename="../../evil.jpg"\r\nContent-Type: image/jpeg\r\n\r\nnot a jpeg\r\n--xx--\r\n',
            },
          });
        }
      }
    }
  }
  let fiveHundreds = 0;
  let leaks = 0;
  const examples: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        const res = await fetch(r.url, { method: r.method, ...r.init, signal: AbortSignal.timeout(20_000) }).catch((err: Error) => err);
        if (res instanceof Error) {
          fiveHundreds++; // no answer at all counts as a failure too
          examples.push(`${r.method} ${r.url.slice(0, 120)}: ${res.message}`);
          continue;
        }
        const text = await res.text();
        if (res.status >= 500 && res.status !== 503) {
          fiveHundreds++;
          examples.push(`${r.method} ${r.url.slice(0, 120)}: ${res.status} ${text.slice(0, 200)}`);
        }
        if (res.status >= 400 && INTERNALS.test(text)) {
          leaks++;
          examples.push(`${r.method} ${r.url.slice(0, 120)}: leaks ${text.slice(0, 200)}`);
        }
      }
    }),
  );

  // Concurrent assigns of one ticket: each answers 200 or 409, one version wins each time.
  const assigns = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      fetch(`${server.base}/api/tickets/${ticket.id}/assign`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.dispatcher}`, 'content-type': 'application/json' },
        body: JSON.stringify({ technicianId: i % 2 ? 'T-07' : 'T-08', expectedVersion: 1 }),
      }),
    ),
  );
  const assignStatuses = assigns.map((r) => r.status);
  fiveHundreds += assignStatuses.filter((s) => s >= 500).length;

  // Slow clients: sockets that send half a request and wait; the server keeps answering others.
  const slow = Array.from({ length: 50 }, () => {
    const sock = connect(Number(new URL(server.base).port), '127.0.0.1');
    sock.on('error', () => undefined);
    sock.write('POST /api/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"text":"');
    return sock;
  });
  const meanwhile = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(10_000) }).then(
    (r) => r.status,
    () => 0,
  );
  for (const s of slow) s.destroy();

  // Garbage WebSocket upgrades: the stream and the staff socket.
  let sockets = 0;
  for (const path of [
    '/v3/directline/conversations/x/stream?t=%00',
    '/v3/directline/conversations/../../stream',
    '/api/live/socket',
    '/api/handoffs/socket',
  ]) {
    await new Promise<void>((done) => {
      const timer = setTimeout(() => resolve(), 5000);
      const resolve = () => {
        clearTimeout(timer);
        done();
      };
      const ws = new WebSocket(`${server.base.replace('http', 'ws')}${path}`);
      ws.on('open', () => {
        ws.send('\u0000'.repeat(10_000));
        ws.send(Buffer.alloc(70_000, 0xff));
        setTimeout(() => ws.terminate(), 200);
      });
      ws.on('error', () => undefined);
      ws.on('close', () => resolve());
      ws.on('unexpected-response', (_req, res) => {
        if ((res.statusCode ?? 0) >= 500 && res.statusCode !== 503) fiveHundreds++;
        resolve();
      });
    });
    sockets++;
  }
  const after = await fetch(`${server.base}/readyz`).then(
    (r) => r.status,
    () => 0,
  );
  return {
    requests: requests.length + assigns.length + slow.length + sockets,
    fiveHundreds,
    leaks,
    examples,
    assignStatuses,
    meanwhile,
    after,
  };
}

describe.each(['sqlite', 'postgres'] as const)('attack run against the whole server (%s)', (store) => {
  let server: ServerProcess;
  let dir: string;
  let schema: string | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attack-'));
    schema = store === 'postgres' ? await createSchema() : undefined;
    server = await spawnServer({
      DATA_DIR: dir,
      API_KEYS: API_KEYS.map((k) => [k.secret, k.role, k.technicianId].filter(Boolean).join(':')).join(','),
      RATE_LIMIT_SCALE: '1000',
      ...(schema ? { DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` } : {}),
    });
    // The technicians behind the keys, on the roster.
    for (const id of ['T-07', 'T-08']) {
      await fetch(`${server.base}/api/technicians`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, name: `Tech ${id}`, phone: '+8613800000007', skills: ['PT'], region: 'Pudong', active: true }),
      });
    }
  }, 180_000);
  afterAll(async () => {
    await killHard(server);
    if (schema) await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives no 5xx, leaks no internals and never exits', async () => {
    const r = await attack(server, KEYS_TO_TRY[store]);
    const exits = server.child.exitCode === null && server.child.signalCode === null ? 0 : 1;
    reportFigures(`attack (${store})`, { hostileRequests: r.requests, fiveHundreds: r.fiveHundreds, leaks: r.leaks, processExits: exits });
    if (r.examples.length) console.log(r.examples.slice(0, 30).join('\n'));
    expect(r.examples).toEqual([]);
    expect(exits).toBe(0);
    expect(r.meanwhile).toBe(200);
    expect(r.after).toBe(200);
    expect(r.assignStatuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(r.assignStatuses.filter((s) => s === 200)).toHaveLength(1);
  }, 600_000);
});
