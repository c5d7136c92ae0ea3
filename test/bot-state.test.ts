import { DatabaseStorage, StateConflictError } from '../src/bot/db-storage.js';
import { StoreUnavailableError, type Database, type Sql } from '../src/storage/database.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';
import { openChat } from './support/directline.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(BACKENDS)('conversation state storage (%s)', (_name, open) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => t?.cleanup());

  it('writes what was read, and refuses a write whose read another write overtook', async () => {
    const one = new DatabaseStorage(t.db);
    const other = new DatabaseStorage(t.db); // another instance
    // A new conversation: both read "nothing there" and both try to create it.
    const a = (await one.read(['k1']))['k1']!;
    const b = (await other.read(['k1']))['k1']!;
    Object.assign(a, { step: 'a', eTag: '*' }); // BotState always sets eTag '*'
    Object.assign(b, { step: 'b', eTag: '*' });
    await one.write({ k1: a });
    await expect(other.write({ k1: b })).rejects.toBeInstanceOf(StateConflictError);
    expect((await other.read(['k1']))['k1']).toMatchObject({ step: 'a' });

    // An existing one: two turns read the same version; the second save conflicts.
    const c = (await one.read(['k1']))['k1']!;
    const d = (await other.read(['k1']))['k1']!;
    Object.assign(c, { step: 'c', eTag: '*' });
    Object.assign(d, { step: 'd', eTag: '*' });
    await one.write({ k1: c });
    await expect(other.write({ k1: d })).rejects.toBeInstanceOf(StateConflictError);
    // A second save of the same turn goes on from its first.
    Object.assign(c, { step: 'c2', eTag: '*' });
    await one.write({ k1: c });
    expect((await one.read(['k1']))['k1']).toMatchObject({ step: 'c2' });
  });

  it('keeps the Storage contract for objects it did not hand out: "*" overwrites, a stale eTag is refused', async () => {
    const s = new DatabaseStorage(t.db);
    await s.write({ k2: { n: 1, eTag: '*' } });
    await s.write({ k2: { n: 2, eTag: '*' } });
    const read = (await s.read(['k2']))['k2'] as { n: number; eTag: string };
    expect(read.n).toBe(2);
    await s.write({ k2: { n: 3, eTag: read.eTag } });
    await expect(s.write({ k2: { n: 4, eTag: read.eTag } })).rejects.toBeInstanceOf(StateConflictError);
  });
});

/** Makes the conversation state's writes fail (a short outage at the moment a turn is saved) while `armed`. */
function failStateWrites(db: Database) {
  const control = { armed: false };
  const transaction = db.transaction.bind(db);
  const guard = (tx: Sql): Sql => ({
    query: (sql, p) => tx.query(sql, p),
    run: (sql, p) => {
      if (control.armed && /bot_state/.test(sql)) return Promise.reject(new StoreUnavailableError('the store does not answer'));
      return tx.run(sql, p);
    },
  });
  db.transaction = ((fn: (tx: Sql) => Promise<unknown>, o?: Parameters<Database['transaction']>[1]) =>
    transaction((tx) => fn(guard(tx)), o)) as Database['transaction'];
  // A turn's one state object is saved by a single statement, outside a transaction.
  const run = db.run.bind(db);
  db.run = ((sql: string, p?: readonly unknown[], o?: Parameters<Database['run']>[2]) =>
    guard({ query: db.query.bind(db), run: (q, params) => run(q, params, o) }).run(sql, p)) as Database['run'];
  return control;
}

describe.each(['sqlite', 'postgres'] as const)('a turn that fails (%s)', (store) => {
  let s: TestServer;
  let outage: { armed: boolean };
  beforeAll(async () => {
    s = await startTestServer({ store, rateLimitScale: 100 });
    outage = failStateWrites(s.app.services().db!);
  }, 240_000);
  afterAll(async () => s?.stop());

  it.each([
    [
      'en',
      'the outriggers on my pump truck will not come down',
      'Skip',
      'Checked, next',
      /Step 1 of/,
      /Sorry, something went wrong/,
      /Step 2 of/,
    ],
    ['zh', '泵车支腿放不下来', '跳过', '查过了，下一步', /第 1 步/, /抱歉，我这边出了点问题/, /第 2 步/],
  ])(
    'apologises in the user’s language (%s) and continues from the last saved step',
    async (_lang, first, skip, next, step1, sorry, step2) => {
      const chat = await openChat(s.base);
      await chat.say(first);
      let reply = await chat.say(skip);
      if (!step1.test(reply)) reply = await chat.say('1'); // a short choice among close candidates: the first
      expect(reply).toMatch(step1);
      outage.armed = true;
      let failed: string;
      try {
        failed = await chat.say(next);
      } finally {
        outage.armed = false;
      }
      expect(failed).toMatch(sorry);
      expect(failed).not.toMatch(step2); // the failed turn's own replies were never sent
      // The conversation is where it was saved: the same answer now moves on to step 2.
      expect(await chat.say(next)).toMatch(step2);
    },
    60_000,
  );
});
