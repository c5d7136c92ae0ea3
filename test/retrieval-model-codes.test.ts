import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { inspectLanguageData } from '../src/retrieval/language-data.js';
import { ModelCodeReader, readModelCodes } from '../src/retrieval/model-codes.js';
import { openEngine } from '../src/retrieval/open-engine.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

const shipped = readModelCodes(KNOWLEDGE_DIR);
const reader = new ModelCodeReader(shipped.data!, () => true);
const lines = (text: string) => [...new Set(reader.find(text).map((h) => h.line))];

describe('model codes name the product line (knowledge/model-codes.yaml)', () => {
  it('ships a valid file', () => {
    expect(shipped.problems).toEqual([]);
  });

  it.each([
    ["my qtz80 won't slew", 'TC'],
    ['hbt60 pipe blocked', 'CP'],
    ['hbt8018c 拖泵 主油管爆了', 'CP'],
    ['sy5419thb water tank is full of mortar', 'PT'],
    ['zlj5440thb pumping stops', 'PT'],
    ['xs263j roller', 'RR'],
    ['bw202 no crank', 'RR'],
    ['rp953摊铺机螺旋不转', 'PV'],
    ['vögele super 1800-3 screed', 'PV'],
    ['xm1003 milling', 'MM'],
    ['w2000铣刨机', 'MM'],
    ['xz360 pullback weak', 'HD'],
    ['d24x40 rod loader jammed', 'HD'],
  ])('reads %j as %s', (text, line) => {
    expect(lines(text)).toEqual([line]);
  });

  it.each([
    'my jcb 3cx will not reverse', // another maker's machine
    'sy215 excavator swing motor', // SANY makes excavators too: SY alone is not a pump truck
    'need 4 wear rings and 2 clamps', // counts and sizes are not models
    'hook drops 20cm with 1.5t on',
    'the super is on site', // a series name without its number
    'xqtz80', // inside a longer code
  ])('finds no model in %j', (text) => {
    expect(lines(text)).toEqual([]);
  });

  it('rejects a pattern that would match a plain word, and an invalid one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-codes-'));
    writeFileSync(join(dir, 'model-codes.yaml'), "lines:\n  - line: TC\n    patterns: ['super', '(unclosed\\\\d']\n");
    const problems = readModelCodes(dir).problems.map((p) => p.message);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/digit/), expect.stringMatching(/regular expression/)]));
  });

  it('is optional: a knowledge folder without the file has no model codes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-codes-'));
    expect(readModelCodes(dir)).toEqual({ data: { lines: [] }, problems: [] });
    expect(inspectLanguageData(dir).problems.some((p) => p.file === 'model-codes.yaml')).toBe(false);
  });
});

describe('the engine reads a model code as the machine', () => {
  let engine: SuggestionEngine;
  beforeAll(async () => {
    engine = await openEngine({ dataDir: join(REPO_ROOT, 'var', 'test'), knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'none' } });
  });

  it.each([
    ["my QTZ80 won't slew", 'TC'],
    ['HBT60 pipe blocked', 'CP'],
    ['XS263 no vibration', 'RR'],
    ['W2000 drum not turning', 'MM'],
  ])('%j is about line %s', async (text, line) => {
    expect(engine.detectMachine(text).line).toBe(line);
    expect((await engine.suggest(text)).detectedProductLine).toBe(line);
  });

  it('leaves the code out of the fault words, and a machine named by word wins', () => {
    expect(engine.detectMachine('QTZ80 trolley will not move').faultWords).not.toContain('qtz80');
    expect(engine.detectMachine('HBT80 on the back of the pump truck, boom stuck').line).toBe('PT');
  });

  it('does not let a bare number pull entries', async () => {
    const r = await engine.suggest('80');
    expect(r.abstain).toBe(true);
  });
});
