import { join } from 'node:path';
import { loadKnowledge } from '../src/knowledge/load.js';
import { EngineBusyError } from '../src/retrieval/embedders/embedder.js';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import type { EngineThreads } from '../src/retrieval/engine-threads.js';
import { openEngine, openRetrieval } from '../src/retrieval/open-engine.js';
import { openChat } from './support/directline.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';
import { KEYS, startTestServer, type TestServer } from './support/server.js';

const DATA_DIR = join(REPO_ROOT, 'var', 'test');
/** A description no manual phrasing explains: the lexical evidence cannot decide, so the encoder is asked. */
const UNEXPLAINED = 'wibble wobble flump on the thingummy';

const TEXTS = [
  'the boom on my pump truck barely moves',
  '泵车臂架动不了，支腿也收不回来',
  'tower crane trolley will not travel but slewing is fine',
  'roller vibration stopped, no smoke or fire',
  'can I get a price for a new hydraulic pump',
  'my excavator will not start',
  'hello',
  UNEXPLAINED,
];

describe('the retrieval engine in worker threads (real model, real manual)', () => {
  let local: SuggestionEngine;
  let threads: EngineThreads;
  const config = { dataDir: DATA_DIR, knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'use' } as const };

  beforeAll(async () => {
    local = await openEngine(config);
    threads = (await openRetrieval({ ...config, engineThreads: 2 }, undefined, loadKnowledge(KNOWLEDGE_DIR))).retrieval as EngineThreads;
  }, 180_000);
  afterAll(async () => {
    await threads.close();
    await local.close();
  });

  it('answers exactly what the engine in the main thread answers', async () => {
    for (const text of TEXTS) {
      expect(await threads.suggest(text, { limit: 3 })).toEqual(await local.suggest(text, { limit: 3 }));
      expect(await threads.suggest(text, { productLine: 'PT' })).toEqual(await local.suggest(text, { productLine: 'PT' }));
      expect(await threads.detectMachine(text)).toEqual(local.detectMachine(text));
      expect(await threads.detectIntent(text)).toEqual(local.detectIntent(text));
    }
    // The encoder took part through the main thread's pool.
    expect((await threads.suggest(UNEXPLAINED)).dense).toBe('used');
  }, 60_000);

  it('answers many asks at once, spread over its threads', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `${TEXTS[i % TEXTS.length]} ${i}`);
    const answers = await Promise.all(texts.map((t) => threads.suggest(t)));
    for (const [i, a] of answers.entries()) expect(a).toEqual(await local.suggest(texts[i]!));
    expect(threads.stats()).toMatchObject({ threads: 2, inFlight: 0 });
  }, 60_000);

  it('answers an abandoned ask at once with its reason, and goes on answering', async () => {
    const gone = new AbortController();
    const asked = threads.suggest(`${UNEXPLAINED} abandoned`, { signal: gone.signal });
    gone.abort(new Error('the panel typed on'));
    await expect(asked).rejects.toThrow('the panel typed on');
    expect(threads.stats().inFlight).toBe(0);
    expect((await threads.suggest(TEXTS[0]!)).results[0]?.id).toBe((await local.suggest(TEXTS[0]!)).results[0]?.id);
  });
});

describe('retrieval threads under pressure and at shutdown', () => {
  it('refuses beyond its bound with EngineBusyError, and refuses after close', async () => {
    const kb = loadKnowledge(KNOWLEDGE_DIR);
    const { retrieval } = await openRetrieval(
      { dataDir: DATA_DIR, knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'none' }, engineThreads: 1 },
      undefined,
      kb,
    );
    const threads = retrieval as EngineThreads;
    // Reach into the bound without a test hook: maxInFlight is 128 by default.
    const asks = Array.from({ length: 140 }, (_, i) =>
      threads.suggest(`the outriggers will not come down ${i}`).then(
        () => 'ok',
        (e: Error) => e,
      ),
    );
    const results = await Promise.all(asks);
    expect(results.filter((r) => r instanceof EngineBusyError).length).toBe(12);
    expect(results.filter((r) => r === 'ok').length).toBe(128);
    const pending = expect(threads.suggest('the boom is slow')).rejects.toThrow('closed');
    await threads.close();
    await pending;
    await expect(threads.suggest('the boom is slow')).rejects.toThrow('closed');
  }, 120_000);
});

describe('a server whose engine runs in threads (the shipped default)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ embedder: { kind: 'use' }, engineThreads: 2 });
  }, 180_000);
  afterAll(() => s.stop());

  it('serves the panel and a typed conversation through Direct Line', async () => {
    const r = await fetch(`${s.base}/api/suggest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'the boom on my pump truck barely moves', limit: 3 }),
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: { productLine: string }[] }).results[0]?.productLine).toBe('PT');
    const chat = await openChat(s.base);
    const first = await chat.say('the outriggers on my pump truck will not come down');
    expect(first.length).toBeGreaterThan(0);
    // A request beside the fault is heard as one (detectIntent through the threads).
    expect(await chat.say('how much is a new outrigger cylinder?')).toMatch(/part|price|报价|配件/i);
  }, 60_000);
});
