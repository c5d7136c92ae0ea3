import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectLanguageData } from '../src/retrieval/language-data.js';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { openEngine } from '../src/retrieval/open-engine.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

/** Lexical only: intents and line inference do not depend on the sentence encoder. */
let engine: SuggestionEngine;
beforeAll(async () => {
  engine = await openEngine({ dataDir: join(REPO_ROOT, 'var', 'test'), knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'none' } });
});

describe('non-fault requests (knowledge/intents.yaml)', () => {
  const cases: [string, string, string][] = [
    ['how much is a new hydraulic pump for the 56 metre boom pump', 'price-quote', 'parts-desk'],
    ['I need to order two hydraulic filters', 'parts-order', 'parts-desk'],
    ['我想买一个遥控器', 'parts-order', 'parts-desk'],
    ['请问发票什么时候开', 'invoice', 'office'],
    ['is my paver still under warranty?', 'warranty', 'office'],
    ['还在保修期吗', 'warranty', 'office'],
    ['when will the seal kit I ordered be delivered', 'delivery', 'parts-desk'],
    ['FT-2026-000123 any news?', 'ticket-status', 'own-ticket'],
    ['师傅什么时候到', 'ticket-status', 'own-ticket'],
    ['hello', 'greeting', 'conversation'],
    ['在吗', 'greeting', 'conversation'],
    ['thanks, that sorted it', 'thanks', 'conversation'],
    ['are you hiring technicians?', 'job', 'office'],
    ['can you email me the operator manual as a pdf', 'other-request', 'person'],
    // A count of things wanted is an order, whatever the part is called.
    ['need 6 wear rings and a spare remote battery for the trailer pump', 'parts-order', 'parts-desk'],
    ['要三根输送管', 'parts-order', 'parts-desk'],
    ['sorry, pocket dial', 'not-for-us', 'conversation'],
    ['test test 123', 'not-for-us', 'conversation'],
    ['不好意思发错了', 'not-for-us', 'conversation'],
    // A decisive request word wins although the part's name sounds like a fault (管卡 holds 卡, "stuck").
    ['想采购一批输送管和管卡', 'parts-order', 'parts-desk'],
    // 没有 that asks ("shipped yet?") reports no fault.
    ['上周订的油缸发货了没有', 'delivery', 'parts-desk'],
    ['压路机的滤芯有没有货', 'parts-order', 'parts-desk'],
    ['is the technician still coming today, nobody has called', 'ticket-status', 'own-ticket'],
    // A fault word inside one of our parts' names (wear plate) names the part asked for.
    ['can you send a wear plate and two cutting rings to the yard', 'parts-order', 'parts-desk'],
    ['is a cracked boom covered or is that on us', 'warranty', 'office'],
    ['can you call me back on this number', 'other-request', 'person'],
  ];
  it.each(cases)('%s → %s', async (text, id, route) => {
    const res = await engine.suggest(text);
    expect(res).toMatchObject({ abstain: true, reason: 'intent', intent: { id, route } });
  });

  it('leaves fault descriptions to the manual, with or without politeness around them', async () => {
    for (const text of [
      'hi, the boom on my pump truck will not lift',
      '你好，泵车堵管了',
      'the delivery pipe keeps blocking',
      'thanks — the outriggers still will not come down',
      'we need two technicians out here, the boom will not lift',
      'the pressure test on the boom cylinder failed',
      '去年买的泵车臂架自己往下沉',
      'the boom won’t lift, do I need to order a new valve',
    ]) {
      const res = await engine.suggest(text);
      expect([text, res.intent, res.reason]).toEqual([text, undefined, res.abstain ? 'low-confidence' : undefined]);
      expect(res.results.length).toBeGreaterThan(0);
    }
  });
});

describe('which machine, when nobody says', () => {
  it('lists the product lines that stay plausible when the fault fits several', async () => {
    const res = await engine.suggest('engine will not start');
    expect(res.plausibleLines?.length).toBeGreaterThanOrEqual(2);
    expect(res.plausibleLines).toContain(res.results[0]!.productLine);
  });

  it('says nothing about lines when the machine is named or chosen', async () => {
    expect((await engine.suggest('roller engine will not start')).plausibleLines).toBeUndefined();
    expect((await engine.suggest('engine will not start', { productLine: 'RR' })).plausibleLines).toBeUndefined();
  });
});

describe('the vocabulary files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vocab-'));
    cpSync(KNOWLEDGE_DIR, dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are valid as shipped', () => {
    expect(inspectLanguageData(KNOWLEDGE_DIR).problems).toEqual([]);
  });

  it('name the file and field of a mistake, and a missing file', () => {
    const bad = readFileSync(join(KNOWLEDGE_DIR, 'intents.yaml'), 'utf8').replace('route: parts-desk', 'route: nowhere');
    writeFileSync(join(dir, 'intents.yaml'), bad);
    const problems = inspectLanguageData(dir).problems;
    expect(problems[0]).toMatchObject({ file: 'intents.yaml', field: expect.stringMatching(/^intents\[0\]\.route/) });
    copyFileSync(join(KNOWLEDGE_DIR, 'intents.yaml'), join(dir, 'intents.yaml'));
    rmSync(join(dir, 'message-cues.yaml'));
    expect(inspectLanguageData(dir).problems).toEqual([
      expect.objectContaining({ file: 'message-cues.yaml', message: expect.stringMatching(/missing/) }),
    ]);
  });
});
