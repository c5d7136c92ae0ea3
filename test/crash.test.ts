import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createSchema, dropSchema, TEST_DATABASE_URL } from './support/databases.js';
import { killHard, spawnServer, type ServerProcess } from './support/process.js';
import { openChat } from './support/directline.js';
import { ticketRequest } from './support/tickets.js';

const KEY = 'crash-test-agent-secret-01';
const TOTAL = 240;
const KILL_AFTER = 60;
const CONCURRENCY = 8;

interface Ack {
  key: string;
  id: string;
  number: string;
}

function createOne(base: string, key: string): Promise<Response> {
  return fetch(`${base}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(ticketRequest({ operatorWords: `boom will not lift (${key})` })),
  });
}

/**
 * Sends creates with several in flight until `stopAfter` are acknowledged, then calls
 * onThreshold (the kill) while the rest are still in flight. Returns the acknowledged.
 */
async function burst(base: string, keys: string[], stopAfter: number, onThreshold: () => Promise<void>): Promise<Ack[]> {
  const acks: Ack[] = [];
  let next = 0;
  let killed: Promise<void> | undefined;
  const worker = async () => {
    while (next < keys.length && !killed) {
      const key = keys[next++]!;
      try {
        const res = await createOne(base, key);
        if (res.status === 201 || res.status === 200) {
          const t = (await res.json()) as { id: string; number: string };
          acks.push({ key, id: t.id, number: t.number });
          if (acks.length >= stopAfter && !killed) killed = onThreshold();
        }
      } catch {
        // connection reset by the kill: not acknowledged, may or may not exist
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await killed;
  return acks;
}

describe.each([['SQLite'], ['PostgreSQL']])('a server killed with SIGKILL while creating tickets (%s)', (store) => {
  let dataDir: string;
  let schema: string | undefined;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'crash-'));
    env = { DATA_DIR: dataDir, API_KEYS: `${KEY}:agent` };
    if (store === 'PostgreSQL') {
      schema = await createSchema();
      env.DATABASE_URL = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
  });
  afterAll(async () => {
    if (server) await killHard(server);
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged ticket, leaves none half-written, duplicates none on retry, and resumes conversations', async () => {
    const keys = Array.from({ length: TOTAL }, (_, i) => `crash-key-${String(i).padStart(4, '0')}`);
    server = await spawnServer(env);
    const first = server;
    // A conversation in the middle of its checks when the server dies.
    const chat = await openChat(first.base);
    await chat.say('the outriggers on my pump truck will not come down');
    expect(await chat.say('Skip')).toMatch(/Step 1 of/);
    const acks = await burst(first.base, keys, KILL_AFTER, async () => {
      // Conversation turns in flight too, when the kill lands.
      void chat.say('hello?').catch(() => undefined);
      await killHard(first);
    });
    expect(acks.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acks.length).toBeLessThan(TOTAL); // the kill really interrupted the burst

    if (store === 'SQLite') {
      const db = new BetterSqlite3(join(dataDir, 'assistant.db'));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }

    server = await spawnServer(env);
    // The conversation resumes where it was: its state was in the store. (Whether or not the
    // in-flight "hello?" landed, the bot is still waiting on step 1.)
    expect(await chat.say('Checked, next', { postTo: server.base })).toMatch(/Step 2 of/);
    for (const ack of acks) {
      const res = await fetch(`${server.base}/api/tickets/${ack.id}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect([ack.number, res.status]).toEqual([ack.number, 200]);
      const t = (await res.json()) as { number: string; operatorWords: string; sla: { clocks: unknown[] }; history: unknown[] };
      expect(t.number).toBe(ack.number);
      expect(t.operatorWords).toContain(ack.key);
      expect(t.sla.clocks).toHaveLength(4);
      expect(t.history).toHaveLength(1);
    }

    // The client retries everything (it cannot know what landed): one ticket per key.
    const ids = new Map<string, string>();
    for (const key of keys) {
      const res = await createOne(server.base, key);
      expect([key, [200, 201].includes(res.status)]).toEqual([key, true]);
      ids.set(key, ((await res.json()) as { id: string }).id);
    }
    for (const ack of acks) expect(ids.get(ack.key)).toBe(ack.id);
    const list = (await (await fetch(`${server.base}/api/tickets?limit=500`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
      tickets: { id: string }[];
    };
    expect(list.tickets).toHaveLength(TOTAL);
    expect(new Set(list.tickets.map((t) => t.id)).size).toBe(TOTAL);
  }, 120_000);
});
