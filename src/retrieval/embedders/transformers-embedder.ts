/**
 * Embedder backed by the @xenova/transformers feature-extraction pipeline over a
 * Hugging Face ONNX export stored in a local folder. Nothing is ever downloaded.
 *
 * Expected layout of `modelDir` (as in a transformers.js-ready HF repo):
 *   config.json, tokenizer.json, tokenizer_config.json,
 *   onnx/model.onnx and/or onnx/model_quantized.onnx
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@xenova/transformers';
import { l2normalise, type Embedder } from './embedder.js';

export interface TransformersEmbedderOptions {
  /** Folder laid out like a Hugging Face repo (see file header). */
  modelDir: string;
  /** Languages the model knows; default ['en']. Use 'any' for multilingual models. */
  languages?: readonly string[] | 'any';
  /** Pooling of token vectors into a sentence vector; default 'mean'. */
  pooling?: 'mean' | 'cls';
  /**
   * true: onnx/model_quantized.onnx, false: onnx/model.onnx.
   * Default: the quantized file if present, else model.onnx.
   */
  quantized?: boolean;
  /** Texts per inference call; default 32. */
  batchSize?: number;
}

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
const ONNX_FULL = 'onnx/model.onnx';
const ONNX_QUANTIZED = 'onnx/model_quantized.onnx';

const NOT_DOWNLOADED =
  'Embedding models are not downloaded automatically: copy a Hugging Face ONNX export ' +
  '(config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx or onnx/model_quantized.onnx) into that folder.';

async function fileSize(file: string): Promise<number | undefined> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

interface ModelFolder {
  dir: string;
  name: string;
  quantized: boolean;
  onnxFile: string;
  onnxSize: number;
  config: Buffer;
}

/** Validates the folder, choosing the ONNX file; throws an actionable error if incomplete. */
async function inspectModelFolder(modelDir: string, quantized: boolean | undefined): Promise<ModelFolder> {
  const dir = path.resolve(modelDir);
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) {
    throw new Error(`Embedding model folder not found: ${dir}. ${NOT_DOWNLOADED}`);
  }

  const missing: string[] = [];
  for (const f of REQUIRED_FILES) {
    if ((await fileSize(path.join(dir, f))) === undefined) missing.push(f);
  }

  const fullSize = await fileSize(path.join(dir, ONNX_FULL));
  const quantSize = await fileSize(path.join(dir, ONNX_QUANTIZED));
  let useQuantized: boolean;
  if (quantized === true) {
    useQuantized = true;
    if (quantSize === undefined) missing.push(ONNX_QUANTIZED);
  } else if (quantized === false) {
    useQuantized = false;
    if (fullSize === undefined) missing.push(ONNX_FULL);
  } else {
    useQuantized = quantSize !== undefined;
    if (quantSize === undefined && fullSize === undefined) missing.push(`${ONNX_FULL} (or ${ONNX_QUANTIZED})`);
  }

  if (missing.length > 0) {
    throw new Error(`Embedding model folder ${dir} is incomplete: missing ${missing.join(', ')}. ${NOT_DOWNLOADED}`);
  }

  return {
    dir,
    name: path.basename(dir),
    quantized: useQuantized,
    onnxFile: useQuantized ? ONNX_QUANTIZED : ONNX_FULL,
    onnxSize: (useQuantized ? quantSize : fullSize)!,
    config: await readFile(path.join(dir, 'config.json')),
  };
}

/**
 * transformers.js resolves local models as `${env.localModelPath}/${modelId}/${file}`
 * and `env` is a process-wide singleton, so loads are serialised: each one points
 * localModelPath at its own parent folder for the duration of the load only.
 */
let loadQueue: Promise<unknown> = Promise.resolve();

function loadPipeline(folder: ModelFolder): Promise<FeatureExtractionPipeline> {
  const load = async (): Promise<FeatureExtractionPipeline> => {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    // The FS cache would look up `<cacheDir>/<folder name>/...` before the real folder
    // and could serve a stale model with the same name; local files need no cache.
    env.useFSCache = false;
    env.useBrowserCache = false;
    env.localModelPath = path.dirname(folder.dir);
    return (await pipeline('feature-extraction', folder.name, {
      quantized: folder.quantized,
      local_files_only: true,
    })) as FeatureExtractionPipeline;
  };
  const result = loadQueue.then(load, load);
  loadQueue = result.catch(() => undefined);
  return result;
}

export async function createTransformersEmbedder(opts: TransformersEmbedderOptions): Promise<Embedder> {
  const pooling = opts.pooling ?? 'mean';
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }

  const folder = await inspectModelFolder(opts.modelDir, opts.quantized);

  let config: { hidden_size?: unknown; d_model?: unknown; dim?: unknown };
  try {
    config = JSON.parse(folder.config.toString('utf8')) as typeof config;
  } catch (e) {
    throw new Error(`Embedding model folder ${folder.dir}: config.json is not valid JSON (${(e as Error).message})`, { cause: e });
  }

  let extractor: FeatureExtractionPipeline;
  try {
    extractor = await loadPipeline(folder);
  } catch (e) {
    throw new Error(`Could not load embedding model from ${folder.dir} (${folder.onnxFile}): ${(e as Error).message}`, {
      cause: e,
    });
  }

  const hash = createHash('sha256').update(folder.config).update(`\0${folder.onnxFile}\0${folder.onnxSize}`).digest('hex').slice(0, 12);
  const id = `transformers:${folder.name}:${pooling}:${folder.quantized ? 'q8' : 'fp32'}:${hash}`;

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    const output = await extractor(texts, { pooling, normalize: false });
    const dims = output.dims as number[];
    const data = output.data as Float32Array;
    const d = dims[dims.length - 1]!;
    if (dims.length !== 2 || dims[0] !== texts.length || data.length !== texts.length * d) {
      throw new Error(`Unexpected embedding output shape [${dims.join(', ')}] for ${texts.length} texts from ${id}`);
    }
    const out: Float32Array[] = [];
    // Copy each row (also moves data created by the native runtime into this realm).
    for (let i = 0; i < texts.length; i++) out.push(l2normalise(Float32Array.from(data.subarray(i * d, (i + 1) * d))));
    return out;
  }

  async function embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    // Batch texts of similar length together to limit padding work; restore order after.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
    const result = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const vectors = await embedBatch(idx.map((i) => texts[i]!));
      idx.forEach((i, k) => {
        result[i] = vectors[k]!;
      });
    }
    return result;
  }

  // One probe inference validates that the model actually runs and gives the true output
  // dimension (config.json's hidden_size is the expectation; the probe is authoritative).
  const probe = await embed(['dimension probe']).catch((e: unknown) => {
    throw new Error(`Embedding model ${folder.dir} failed a test inference: ${(e as Error).message}`, { cause: e });
  });
  const dimension = probe[0]!.length;
  const declared = [config.hidden_size, config.d_model, config.dim].find((v) => typeof v === 'number');
  if (declared !== undefined && declared !== dimension) {
    // Not fatal (some exports project the hidden state), but worth knowing.
    process.emitWarning(
      `Embedding model ${folder.name}: config.json hidden size ${String(declared)} differs from output dimension ${dimension}`,
    );
  }

  return {
    id,
    dimension,
    languages: opts.languages ?? ['en'],
    embed,
  };
}
