/**
 * Generates a tiny but real BERT-style Hugging Face model folder (config.json,
 * tokenizer.json, tokenizer_config.json, onnx/model.onnx) that the
 * @xenova/transformers feature-extraction pipeline loads like any exported model.
 *
 * The ONNX graph is a bag-of-embeddings "encoder":
 *
 *   last_hidden_state = (Gather(word_embeddings, input_ids)
 *                        + Gather(token_type_embeddings, token_type_ids))
 *                       * Unsqueeze(Cast<float>(attention_mask), -1)
 *
 * so mean pooling yields the average of the token vectors: texts sharing words are
 * more similar than unrelated ones. Weights come from a seeded PRNG and the protobuf
 * encoding is deterministic, so the same options always produce the same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import protobuf from 'protobufjs';

/** The subset of onnx.proto (proto2, field numbers as upstream) needed to build a model. */
const ONNX_PROTO_SUBSET = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  optional string doc_string = 13;
  optional AttributeType type = 20;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
  optional string domain = 7;
}

message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5;
    INT32 = 6; INT64 = 7; STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  optional string doc_string = 12;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;

/** BERT special tokens, in the conventional order (ids 0..4). */
const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Default vocabulary: equipment-fault English plus a few subwords and punctuation. */
export const DEFAULT_TINY_VOCAB: readonly string[] = [
  '.',
  ',',
  '?',
  '!',
  '-',
  "'",
  'the',
  'a',
  'an',
  'is',
  'not',
  'no',
  'and',
  'or',
  'of',
  'to',
  'in',
  'on',
  'when',
  'after',
  'it',
  'my',
  'does',
  'will',
  'wont',
  'won',
  'very',
  'too',
  'low',
  'high',
  'boom',
  'pump',
  'oil',
  'hot',
  'engine',
  'start',
  'starts',
  'starting',
  'battery',
  'dead',
  'hydraulic',
  'pressure',
  'leak',
  'leaking',
  'fuel',
  'filter',
  'coolant',
  'temperature',
  'overheating',
  'overheat',
  'smoke',
  'black',
  'white',
  'noise',
  'grinding',
  'slow',
  'arm',
  'bucket',
  'track',
  'tracks',
  'crane',
  'excavator',
  'loader',
  'valve',
  'hose',
  'warning',
  'light',
  'alarm',
  'code',
  'error',
  'fault',
  'check',
  'replace',
  'level',
  'weather',
  'lunch',
  'today',
  'sunny',
  'cat',
  'sat',
  'mat',
  'hello',
  'world',
  '##s',
  '##ing',
  '##ed',
  '##er',
];

export interface TinyOnnxModelOptions {
  /** Hidden size of the generated model (default 64; random word vectors get closer to orthogonal as it grows). */
  dim?: number;
  /** Regular vocabulary (special tokens are always added in front); default DEFAULT_TINY_VOCAB. */
  vocab?: string[];
}

/** mulberry32: small, fast, deterministic PRNG yielding floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function float32Raw(values: ArrayLike<number>): Uint8Array {
  const buf = new Uint8Array(values.length * 4);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return buf;
}

function int64Raw(values: readonly number[]): Uint8Array {
  const buf = new Uint8Array(values.length * 8);
  const view = new DataView(buf.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return buf;
}

/** Random embedding matrix [rows, dim], uniform in [-1, 1) times a per-row scale. */
function embeddingMatrix(rows: number, dim: number, seed: number, rowScale: (row: number) => number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const scale = rowScale(r);
    for (let c = 0; c < dim; c++) out[r * dim + c] = (rand() * 2 - 1) * scale;
  }
  return out;
}

function tensorValueInfo(name: string, elemType: number, dims: ReadonlyArray<string | number>) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })),
        },
      },
    },
  };
}

/** Encodes the ONNX ModelProto of the bag-of-embeddings encoder. */
export function buildTinyBertOnnx(vocabSize: number, dim: number): Uint8Array {
  const root = protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: true }).root;
  const ModelProto = root.lookupType('onnx.ModelProto');

  // Special tokens get small vectors so that [CLS]/[SEP] (present in every text) do not
  // dominate the mean; [PAD] is zero (it is masked out anyway).
  const special = SPECIAL_TOKENS.length;
  const words = embeddingMatrix(vocabSize, dim, 0x5eed, (r) => (r === 0 ? 0 : r < special ? 0.1 : 1));
  const types = embeddingMatrix(2, dim, 0x7e9e, () => 0.01);

  const model = {
    ir_version: 8,
    producer_name: 'fault-triage-assistant tiny-onnx-model',
    producer_version: '1',
    model_version: 1,
    opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny_bert_bag_of_embeddings',
      node: [
        { op_type: 'Gather', name: 'word_gather', input: ['word_embeddings', 'input_ids'], output: ['word_vectors'] },
        { op_type: 'Gather', name: 'type_gather', input: ['token_type_embeddings', 'token_type_ids'], output: ['type_vectors'] },
        { op_type: 'Add', name: 'add_embeddings', input: ['word_vectors', 'type_vectors'], output: ['embeddings'] },
        {
          op_type: 'Cast',
          name: 'mask_to_float',
          input: ['attention_mask'],
          output: ['mask_float'],
          attribute: [{ name: 'to', type: ATTR_INT, i: FLOAT }],
        },
        { op_type: 'Unsqueeze', name: 'mask_unsqueeze', input: ['mask_float', 'unsqueeze_axes'], output: ['mask_3d'] },
        { op_type: 'Mul', name: 'apply_mask', input: ['embeddings', 'mask_3d'], output: ['last_hidden_state'] },
      ],
      initializer: [
        { name: 'word_embeddings', data_type: FLOAT, dims: [vocabSize, dim], raw_data: float32Raw(words) },
        { name: 'token_type_embeddings', data_type: FLOAT, dims: [2, dim], raw_data: float32Raw(types) },
        { name: 'unsqueeze_axes', data_type: INT64, dims: [1], raw_data: int64Raw([-1]) },
      ],
      input: [
        tensorValueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
        tensorValueInfo('attention_mask', INT64, ['batch_size', 'sequence_length']),
        tensorValueInfo('token_type_ids', INT64, ['batch_size', 'sequence_length']),
      ],
      output: [tensorValueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', dim])],
    },
  };

  const err = ModelProto.verify(model);
  if (err) throw new Error(`tiny ONNX model does not match the proto subset: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

function tokenizerJson(vocab: readonly string[]) {
  const ids: Record<string, number> = {};
  vocab.forEach((token, id) => {
    ids[token] = id;
  });
  const idOf = (token: string) => ids[token]!;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: idOf(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [idOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [idOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

function tokenizerConfigJson() {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    tokenize_chinese_chars: true,
    strip_accents: null,
    model_max_length: 512,
    clean_up_tokenization_spaces: true,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
}

function configJson(vocabSize: number, dim: number) {
  return {
    _name_or_path: 'tiny-bert-bag-of-embeddings',
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: dim,
    num_hidden_layers: 0,
    num_attention_heads: 1,
    intermediate_size: dim,
    hidden_act: 'gelu',
    max_position_embeddings: 512,
    type_vocab_size: 2,
    vocab_size: vocabSize,
    pad_token_id: 0,
    layer_norm_eps: 1e-12,
    transformers_version: '4.36.0',
  };
}

/**
 * Writes the model folder to `dir` (created if needed) and returns it. The folder is
 * laid out like a Hugging Face repo exported for transformers.js.
 */
export async function writeTinyOnnxModel(dir: string, opts: TinyOnnxModelOptions = {}): Promise<{ modelDir: string; dim: number }> {
  const dim = opts.dim ?? 64;
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`dim must be a positive integer, got ${dim}`);

  const regular = (opts.vocab ?? DEFAULT_TINY_VOCAB).filter((w) => !(SPECIAL_TOKENS as readonly string[]).includes(w));
  const vocab = [...SPECIAL_TOKENS, ...new Set(regular)];

  const modelDir = path.resolve(dir);
  await mkdir(path.join(modelDir, 'onnx'), { recursive: true });
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  await Promise.all([
    writeFile(path.join(modelDir, 'config.json'), json(configJson(vocab.length, dim))),
    writeFile(path.join(modelDir, 'tokenizer.json'), json(tokenizerJson(vocab))),
    writeFile(path.join(modelDir, 'tokenizer_config.json'), json(tokenizerConfigJson())),
    writeFile(path.join(modelDir, 'onnx', 'model.onnx'), buildTinyBertOnnx(vocab.length, dim)),
  ]);
  return { modelDir, dim };
}
