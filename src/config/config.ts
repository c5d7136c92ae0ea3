import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Process configuration from the environment. Every setting has an embedded default
 * so that `npm start` works on a fresh machine with nothing set.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3978),
  DATA_DIR: z.string().min(1).default('./var'),
  KNOWLEDGE_DIR: z.string().min(1).default('./knowledge'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** "use" (default, English Universal Sentence Encoder shipped via npm) or "transformers". */
  EMBEDDER: z.enum(['use', 'transformers', 'none']).default('use'),
  /** For EMBEDDER=transformers: a local Hugging Face model folder (config.json, tokenizer.json, onnx/). */
  EMBEDDER_MODEL_DIR: z.string().optional(),
  /** Languages the transformers model knows: "any" for multilingual, or a comma list such as "en". */
  EMBEDDER_LANGUAGES: z.string().default('any'),
});

export interface AppConfig {
  port: number;
  dataDir: string;
  knowledgeDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  embedder:
    | { kind: 'use' }
    | { kind: 'none' }
    | { kind: 'transformers'; modelDir: string; languages: readonly string[] | 'any' };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration in environment variables:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  let embedder: AppConfig['embedder'];
  if (e.EMBEDDER === 'transformers') {
    if (!e.EMBEDDER_MODEL_DIR) {
      throw new ConfigError('EMBEDDER=transformers needs EMBEDDER_MODEL_DIR, the folder of a local ONNX model');
    }
    const langs = e.EMBEDDER_LANGUAGES.trim();
    embedder = {
      kind: 'transformers',
      modelDir: resolve(e.EMBEDDER_MODEL_DIR),
      languages: langs === 'any' ? 'any' : langs.split(',').map((l) => l.trim()).filter(Boolean),
    };
  } else {
    embedder = { kind: e.EMBEDDER };
  }
  return {
    port: e.PORT,
    dataDir: resolve(e.DATA_DIR),
    knowledgeDir: resolve(e.KNOWLEDGE_DIR),
    logLevel: e.LOG_LEVEL,
    embedder,
  };
}
