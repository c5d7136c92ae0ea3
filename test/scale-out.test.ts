import { join } from 'node:path';
import { twoInstancesOnOnePostgres } from './support/instances.js';
import { REPO_ROOT } from './support/paths.js';
import type { ServerProcess } from './support/process.js';
import { openChat } from './support/directline.js';
import { ticketRequest } from './support/tickets.js';

const KEY = 'scale-out-agent-secret-01';

describe('two server processes sharing one PostgreSQL', () => {
  const two = twoInstancesOnOnePostgres(
    'inst',
    {
      INDEX_DIR: join(REPO_ROOT, 'var', 'test', 'index'),
      EMBEDDER: 'use',
      API_KEYS: `${KEY}:agent`,
    },
    (ms) => console.log(`two instances from spawn to /readyz 200: ${ms} ms`),
  );

  it('continues one conversation whose turns alternate between the instances, to a ticket', async () => {
    const chat = await openChat(two.a.base);
    let turn = 0;
    // Each turn is posted to one instance and its replies read from the other.
    const say = (text: string) => {
      const [postTo, readFrom] = turn++ % 2 === 0 ? [two.a.base, two.b.base] : [two.b.base, two.a.base];
      return chat.say(text, { postTo, readFrom });
    };
    expect(await say('the outriggers on my pump truck will not come down')).toMatch(/model or serial/);
    let reply = await say('Skip');
    expect(reply).toMatch(/Step 1 of/);
    for (let i = 0; i < 10 && !/site address/.test(reply); i++) reply = await say('Checked, next');
    expect(reply).toMatch(/site address/);
    expect(await say('Gate 3, East Harbour Works, Tianjin')).toMatch(/Your name/);
    expect(await say('Liu Yang')).toMatch(/phone/);
    expect(await say('135 1111 2222')).toMatch(/machine down/);
    expect(await say('No')).toMatch(/Please check/);
    expect(await say('Send it')).toMatch(/Your ticket number is FT-\d{4}-\d{6}/);
  }, 60_000);

  it('creates unique, complete tickets through both, with retries crossing instances', async () => {
    const create = (via: ServerProcess, key: string) =>
      fetch(`${via.base}/api/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(ticketRequest({ operatorWords: `boom slow (${key})` })),
      });
    const keys = Array.from({ length: 30 }, (_, i) => `scale-key-${i}`);
    // Every key is sent to both instances at once: only one ticket each may come of it.
    const responses = await Promise.all(keys.flatMap((k) => [create(two.a, k), create(two.b, k)]));
    expect(responses.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { id: string; number: string; operatorWords: string }[];
    for (let i = 0; i < keys.length; i++) expect(bodies[2 * i]!.id).toBe(bodies[2 * i + 1]!.id);
    const list = (await (await fetch(`${two.b.base}/api/tickets?limit=500`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
      tickets: { number: string; operatorWords: string }[];
    };
    const fromBurst = list.tickets.filter((t) => t.operatorWords.includes('scale-key-'));
    expect(fromBurst).toHaveLength(30);
    expect(new Set(list.tickets.map((t) => t.number)).size).toBe(list.tickets.length);
  }, 60_000);
});
