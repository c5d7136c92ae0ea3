import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKnowledge } from '../src/knowledge/load.js';
import { buildCorpus } from '../src/retrieval/corpus.js';
import { openDenseChannel } from '../src/retrieval/dense-channel.js';
import { createTransformersEmbedder } from '../src/retrieval/embedders/transformers-embedder.js';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { openEngine } from '../src/retrieval/open-engine.js';
import { writeTinyOnnxModel } from './support/tiny-onnx-model.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

const kb = loadKnowledge(KNOWLEDGE_DIR);
/** Shared with the CLI tests so the real model embeds the manual once per machine. */
const DATA_DIR = join(REPO_ROOT, 'var', 'test');

describe('SuggestionEngine with the real English sentence encoder', () => {
  let engine: SuggestionEngine;
  beforeAll(async () => {
    engine = await openEngine({ dataDir: DATA_DIR, knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'use' } });
  }, 120_000);

  const top3 = async (text: string, productLine?: 'PT' | 'TC') =>
    (await engine.suggest(text, { productLine, limit: 3 })).results.map((r) => r.id);

  it('matches English descriptions in operators’ words', async () => {
    expect(await top3("the boom won't move when I push the lever on my pump truck")).toContain('PT-H01');
    expect(await top3('tower crane hook slowly creeps down with the load on')).toContain('TC-M03');
  });

  it('matches Chinese descriptions through the lexical channel', async () => {
    const res = await engine.suggest('泵车堵管了，压力一下子升上去打不动');
    expect(res.language).toBe('zh');
    expect(res.results.slice(0, 3).map((r) => r.id)).toContain('PT-M05');
  });

  it('abstains on out-of-scope questions', async () => {
    for (const text of ['hello', 'how much does a new paver cost?', '请问发票什么时候开', 'asdfghjkl']) {
      expect([text, (await engine.suggest(text)).abstain]).toEqual([text, true]);
    }
  });

  it('asks the sentence encoder only where the lexical evidence does not decide', async () => {
    const before = engine.encoderUse.embedded;
    await engine.suggest('the outriggers on my pump truck will not come down');
    expect(engine.encoderUse.embedded).toBe(before);
    await engine.suggest('pumper arm kinda lazy today');
    expect(engine.encoderUse.embedded).toBe(before + 1);
  });

  it('filters by product line', async () => {
    const res = await engine.suggest('engine will not start', { productLine: 'TC', limit: 10 });
    expect(res.results.every((r) => r.productLine === 'TC')).toBe(true);
  });

  it('recognises the machine named in the text', async () => {
    expect((await engine.suggest('塔吊吊不起来')).detectedProductLine).toBe('TC');
  });

  it('handles empty, emoji-only and megabyte inputs without throwing', async () => {
    expect((await engine.suggest('')).abstain).toBe(true);
    expect((await engine.suggest('🙂🙂🙂')).abstain).toBe(true);
    const huge = 'boom will not move '.repeat(60_000);
    const res = await engine.suggest(huge);
    expect(res.results[0]?.id).toBeDefined();
  });
});

describe('dense index cache', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'dense-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is loaded from disk when nothing changed and rebuilt when the knowledge changes', async () => {
    const { modelDir } = await writeTinyOnnxModel(join(dir, 'model', 'tiny'), { dim: 32 });
    const embedder = await createTransformersEmbedder({ modelDir, languages: 'any' });
    const corpus = buildCorpus(kb);
    const cacheDir = join(dir, 'index');
    let progressCalls = 0;
    const first = await openDenseChannel({ corpus, embedder, cacheDir, progress: () => progressCalls++ });
    expect(first.rebuilt).toBe(true);
    expect(progressCalls).toBeGreaterThan(0);
    expect(first.index.size).toBe(corpus.length); // a multilingual model embeds every phrasing

    const second = await openDenseChannel({ corpus, embedder, cacheDir });
    expect(second.rebuilt).toBe(false);
    const probe = first.vectors.get(5)!;
    expect(second.index.search(probe, 1)[0]!.label).toBe(first.index.search(probe, 1)[0]!.label);

    const changed = corpus.map((p) => (p.index === 0 ? { ...p, text: `${p.text} (edited)` } : p));
    expect((await openDenseChannel({ corpus: changed, embedder, cacheDir })).rebuilt).toBe(true);
  });

  it('serves suggestions through a transformers.js model from a local folder', async () => {
    const engine = await openEngine({
      dataDir: dir,
      knowledgeDir: KNOWLEDGE_DIR,
      embedder: { kind: 'transformers', modelDir: join(dir, 'model', 'tiny'), languages: ['en'] },
    });
    expect(engine.embedderId).toMatch(/^transformers:tiny/);
    const res = await engine.suggest('hydraulic oil too hot', { limit: 3 });
    expect(res.results.length).toBeGreaterThan(0);
  });
});
