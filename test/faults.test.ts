import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { until } from './support/browser.js';
import { createSchema, dropSchema, TEST_DATABASE_URL } from './support/databases.js';
import { openChat } from './support/directline.js';
import { reportFigures } from './support/figures.js';
import { killHard, spawnServer, type ServerProcess } from './support/process.js';
import { FaultProxy } from './support/tcp-proxy.js';
import { ticketRequest } from './support/tickets.js';

const KEY = 'faults-agent-secret-000001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * PostgreSQL connections reset and partitioned behind a TCP proxy while tickets are being
 * created and a conversation goes on: the process stays up throughout, requests fail
 * cleanly with 503 while the store is unreachable, the pool heals by itself, and every
 * acknowledged ticket is in the store afterwards, once.
 */
describe('PostgreSQL reset and partitioned during a ticket burst and a chat', () => {
  const proxy = new FaultProxy();
  let schema: string;
  let dataDir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    await proxy.start();
    schema = await createSchema();
    dataDir = mkdtempSync(join(tmpdir(), 'faults-'));
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    url.searchParams.set('options', `-c search_path=${schema}`);
    server = await spawnServer({ DATA_DIR: dataDir, API_KEYS: `${KEY}:agent`, DATABASE_URL: url.toString(), RATE_LIMIT_SCALE: '1000' });
  }, 60_000);

  afterAll(async () => {
    await killHard(server);
    await proxy.stop();
    await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays up, answers 503 while the store is cut off, recovers, and loses no acknowledged ticket', async () => {
    const pid = server.child.pid;
    const acked = new Map<string, string>(); // idempotency key → ticket id
    const sentKeys: string[] = [];
    const statuses = new Map<number, number>();
    let phase = 'before';
    const byPhase = new Map<string, Map<number, number>>();
    const count = (status: number) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const m = byPhase.get(phase) ?? byPhase.set(phase, new Map()).get(phase)!;
      m.set(status, (m.get(status) ?? 0) + 1);
    };
    let stop = false;
    let seq = 0;
    const create = (key: string) =>
      fetch(`${server.base}/api/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(ticketRequest({ operatorWords: `boom will not lift (${key})` })),
      });
    const worker = async () => {
      while (!stop) {
        const key = `fault-key-${String(seq++).padStart(5, '0')}`;
        sentKeys.push(key);
        try {
          const res = await create(key);
          count(res.status);
          if (res.status === 201 || res.status === 200) acked.set(key, ((await res.json()) as { id: string }).id);
          else await res.arrayBuffer();
        } catch {
          count(0); // transport failure: not acknowledged
        }
      }
    };
    const ackedAtLeast = (n: number, what: string) =>
      until(
        async () => acked.size,
        (x) => x >= n,
        what,
        60_000,
      );

    // A conversation in the middle of its checks, and a turn now and then through all of it.
    const chat = await openChat(server.base);
    await chat.say('the outriggers on my pump truck will not come down');
    expect(await chat.say('Skip')).toMatch(/Step 1 of/);
    let chatTurns = 0;
    let chatFailures = 0;
    const chatter = (async () => {
      while (!stop) {
        await sleep(700);
        try {
          await chat.say('hello?');
          chatTurns++;
        } catch {
          chatFailures++;
        }
      }
    })();

    const workers = Array.from({ length: 4 }, worker);
    await ackedAtLeast(20, 'tickets before the faults');

    phase = 'resets';
    for (let i = 0; i < 3; i++) {
      proxy.reset();
      await ackedAtLeast(acked.size + 5, `tickets after reset ${i + 1}`);
    }

    phase = 'partition';
    proxy.partition();
    await until(
      async () => byPhase.get('partition')?.get(503) ?? 0,
      (n) => n > 0,
      'a 503 during the partition',
      40_000,
    );
    const ready = await fetch(`${server.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'not_ready', issues: [{ field: 'store' }] });
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    // Longer than the client's query timeout, so connections stuck mid-query have to be given up.
    await sleep(14_000);

    phase = 'healed';
    proxy.heal();
    const afterHeal = acked.size;
    await ackedAtLeast(afterHeal + 20, 'tickets after the partition healed');
    await until(
      async () => (await fetch(`${server.base}/readyz`)).status,
      (s) => s === 200,
      'ready again',
      30_000,
    );
    stop = true;
    await Promise.all([...workers, chatter]);

    // The process never went away (same pid, still serving) and nothing reached the last-line guards.
    expect(server.child.exitCode).toBeNull();
    expect(server.child.pid).toBe(pid);
    expect(server.output()).not.toMatch(/unhandled promise rejection|uncaught exception/);
    const fiveHundreds = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    expect([...statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);

    // The conversation lost nothing: it goes on from its checks, not from the start.
    const reply = await chat.say('Checked, next');
    expect(reply).not.toMatch(/Describe the problem|What happens\?|I'm the service assistant/);
    expect(reply).toMatch(/Step \d of|technician|site address|send your last message again/);

    // Every acknowledged ticket is in the store, read directly (not through the proxy).
    const direct = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await direct.connect();
    const rows = (await direct.query<{ id: string; idempotency_key: string }>(`SELECT id, idempotency_key FROM ${schema}.tickets`)).rows;
    // Keys are kept under their caller's scope (api:<scope>:<key>, src/tickets/service.ts).
    const stored = new Map(rows.map((r) => [r.idempotency_key?.replace(/^api:[^:]+:/, ''), r.id]));
    const lost = [...acked].filter(([key, id]) => stored.get(key) !== id);
    expect(lost).toEqual([]);
    // The client retries what it could not be sure of: still one ticket per key.
    for (const key of sentKeys.filter((k) => !acked.has(k))) {
      const res = await create(key);
      expect([key, [200, 201].includes(res.status)]).toEqual([key, true]);
    }
    const total = Number((await direct.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.tickets`)).rows[0]!.n);
    await direct.end();
    expect(total).toBe(sentKeys.length);

    const summary = Object.fromEntries([...byPhase].map(([p, m]) => [p, Object.fromEntries(m)]));
    console.log(
      `faults: ${sentKeys.length} ticket requests, ${acked.size} acknowledged, ${proxy.resets} connections reset, chat turns ${chatTurns} ok / ${chatFailures} failed; by phase ${JSON.stringify(summary)}`,
    );
    reportFigures('faults (PostgreSQL resets and partition)', {
      requestsDuringFaults: sentKeys.length + chatTurns + chatFailures,
      fiveHundreds,
      processExits: 0,
      acknowledgedTicketsLost: lost.length,
      duplicateTickets: total - sentKeys.length,
    });
  }, 240_000);
});
