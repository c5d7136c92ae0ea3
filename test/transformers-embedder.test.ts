import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Embedder } from '../src/retrieval/embedders/embedder.js';
import { createTransformersEmbedder } from '../src/retrieval/embedders/transformers-embedder.js';
import { writeTinyOnnxModel } from './support/tiny-onnx-model.js';

const DIM = 128;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('createTransformersEmbedder (tiny generated BERT ONNX model)', () => {
  let tmp: string;
  let modelDir: string;
  let embedder: Embedder;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'transformers-embedder-'));
    ({ modelDir } = await writeTinyOnnxModel(path.join(tmp, 'models', 'tiny-bert'), { dim: DIM }));
    embedder = await createTransformersEmbedder({ modelDir, batchSize: 2 });
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('reports dimension, languages and an id naming the model folder', () => {
    expect(embedder.dimension).toBe(DIM);
    expect(embedder.languages).toEqual(['en']);
    expect(embedder.id).toMatch(/tiny-bert/);
    expect(embedder.id).toMatch(/:mean:fp32:[0-9a-f]{12}$/);
  });

  it('returns one unit-norm vector per text, in input order, across batches', async () => {
    const texts = ['Boom pump is hot', 'engine will not start', 'oil', 'the hydraulic oil temperature is too high', ''];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(DIM);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    }
    // Order is preserved even though batches are formed by text length.
    const [single] = await embedder.embed(['oil']);
    const a = Array.from(single!);
    const b = Array.from(vectors[2]!);
    a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 6));
  });

  it('returns an empty list for no texts', async () => {
    await expect(embedder.embed([])).resolves.toEqual([]);
  });

  it('is deterministic, also across embedder instances', async () => {
    const texts = ['excavator track noise', 'crane boom hydraulic leak'];
    const first = await embedder.embed(texts);
    const second = await embedder.embed(texts);
    const other = await createTransformersEmbedder({ modelDir });
    const third = await other.embed(texts);
    expect(other.id).toBe(embedder.id);
    for (let i = 0; i < texts.length; i++) {
      expect(Array.from(second[i]!)).toEqual(Array.from(first[i]!));
      expect(Array.from(third[i]!)).toEqual(Array.from(first[i]!));
    }
  });

  it('makes texts that share words more similar than unrelated texts', async () => {
    const [query, related, unrelated] = await embedder.embed([
      'hydraulic pump oil leak',
      'Hydraulic pump oil pressure low',
      'the cat sat on the mat',
    ]);
    const simRelated = dot(query!, related!);
    const simUnrelated = dot(query!, unrelated!);
    expect(simRelated).toBeGreaterThan(simUnrelated + 0.2);
  });

  it('changes id when the model changes', async () => {
    const { modelDir: smaller } = await writeTinyOnnxModel(path.join(tmp, 'other', 'tiny-bert'), { dim: 16 });
    const e = await createTransformersEmbedder({ modelDir: smaller });
    expect(e.dimension).toBe(16);
    expect(e.id).toMatch(/tiny-bert/);
    expect(e.id).not.toBe(embedder.id);
  });

  it('generates the same model bytes on every run', async () => {
    const { modelDir: again } = await writeTinyOnnxModel(path.join(tmp, 'again', 'tiny-bert'), { dim: DIM });
    for (const f of ['onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']) {
      const x = await readFile(path.join(modelDir, f));
      const y = await readFile(path.join(again, f));
      expect(x.equals(y)).toBe(true);
    }
  });

  it('fails clearly when the model folder does not exist', async () => {
    const missing = path.join(tmp, 'no-such-model');
    await expect(createTransformersEmbedder({ modelDir: missing })).rejects.toThrow(
      /Embedding model folder not found: .*no-such-model.*not downloaded/,
    );
  });

  it('fails clearly, naming the missing files, when the folder is incomplete', async () => {
    const { modelDir: partial } = await writeTinyOnnxModel(path.join(tmp, 'partial', 'tiny-bert'));
    await unlink(path.join(partial, 'onnx', 'model.onnx'));
    await unlink(path.join(partial, 'tokenizer.json'));
    const attempt = createTransformersEmbedder({ modelDir: partial });
    await expect(attempt).rejects.toThrow(/incomplete: missing tokenizer\.json, onnx\/model\.onnx/);
    await expect(createTransformersEmbedder({ modelDir: partial, quantized: true })).rejects.toThrow(
      /missing tokenizer\.json, onnx\/model_quantized\.onnx.*not downloaded/,
    );
  });

  it('wraps load failures with the model folder in the message', async () => {
    const { modelDir: broken } = await writeTinyOnnxModel(path.join(tmp, 'broken', 'tiny-bert'));
    await writeFile(path.join(broken, 'onnx', 'model.onnx'), 'not an onnx model');
    // transformers.js logs the native failure and its wasm fallback attempt via console.warn.
    const warn = console.warn;
    console.warn = () => {};
    try {
      await expect(createTransformersEmbedder({ modelDir: broken })).rejects.toThrow(
        /Could not load embedding model from .*broken.*tiny-bert.*onnx\/model\.onnx/,
      );
    } finally {
      console.warn = warn;
    }
  });
});
