import { resolve } from 'node:path';
import { z } from 'zod';
import { ROLES, type Role } from './roles.js';
import type { RetentionSettings } from '../storage/retention.js';

export interface ApiKey {
  secret: string;
  role: Exclude<Role, 'bot'>;
  technicianId?: string;
}

const MIN_SECRET = 16;

/** API_KEYS="s3cret…:dispatcher,an0ther…:technician:T-07"; each problem named by position. */
export function parseApiKeys(value: string): ApiKey[] {
  const problems: string[] = [];
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [secret = '', role = '', technicianId] = entry.split(':');
      if (secret.length < MIN_SECRET) problems.push(`key ${i + 1}: the secret must be at least ${MIN_SECRET} characters`);
      if (!(ROLES as readonly string[]).includes(role)) problems.push(`key ${i + 1}: role "${role}" is not one of ${ROLES.join(', ')}`);
      if (role === 'technician' && !technicianId) problems.push(`key ${i + 1}: a technician key needs its id (secret:technician:ID)`);
      return { secret, role: role as ApiKey['role'], technicianId: technicianId || undefined };
    });
  if (problems.length) throw new ConfigError(`Invalid API_KEYS:\n  ${problems.join('\n  ')}`);
  return keys;
}

/**
 * Process configuration from the environment. Every setting has an embedded default
 * so that `npm start` works on a fresh machine with nothing set.
 */
const envSchema = z.object({
  /** 0 picks any free port (tests, side-by-side instances); the log says which. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  DATA_DIR: z.string().min(1).default('./var'),
  KNOWLEDGE_DIR: z.string().min(1).default('./knowledge'),
  /** Where the dense index is cached; default DATA_DIR/index. Instances may share one. */
  INDEX_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** "use" (default, English Universal Sentence Encoder shipped via npm) or "transformers". */
  EMBEDDER: z.enum(['use', 'transformers', 'none']).default('use'),
  /** For EMBEDDER=transformers: a local Hugging Face model folder (config.json, tokenizer.json, onnx/). */
  EMBEDDER_MODEL_DIR: z.string().optional(),
  /** Languages the transformers model knows: "any" for multilingual, or a comma list such as "en". */
  EMBEDDER_LANGUAGES: z.string().default('any'),
  /** Sentence-encoder threads (worker threads, each with its own model copy); default one per core. */
  ENCODER_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  /**
   * Retrieval threads (worker threads, each with its own lexical index) that rank
   * descriptions off the event loop; default one per core; 0 ranks in the main thread.
   */
  ENGINE_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  /** Texts that may wait for an encoder thread before suggestions answer "busy" (503, Retry-After). */
  ENCODER_QUEUE: z.coerce.number().int().min(1).max(100_000).default(64),
  /**
   * Encoder-time budget, ms: a suggestion whose query vector would come later is answered
   * from the words alone (its "dense" says "over-budget"); 0 waits as long as it takes.
   */
  ENCODER_BUDGET_MS: z.coerce.number().int().min(0).max(60_000).default(40),
  /** PostgreSQL connection string; unset means embedded SQLite under DATA_DIR. */
  DATABASE_URL: z.string().url('DATABASE_URL must be a postgres:// URL').optional(),
  /** secret:role,secret:role … (roles agent, dispatcher, technician, admin; secret:technician:id). */
  API_KEYS: z.string().optional(),
  /** Bot Framework channel authentication (Azure Bot Service); unset = local development, no auth. */
  MicrosoftAppId: z.string().optional(),
  MicrosoftAppPassword: z.string().optional(),
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
  MicrosoftAppTenantId: z.string().optional(),
  /** Extra hosts (comma-separated, `*.example.com` allowed) the bot may reply to besides the Bot Framework's own. */
  BOT_SERVICE_URL_HOSTS: z.string().optional(),
  /** Proxies whose X-Forwarded-For is believed (comma-separated addresses, or "loopback"); unset = none. */
  TRUST_PROXY: z.string().optional(),
  /** Multiplies every rate limit (e.g. 100 for a load test from one address). */
  RATE_LIMIT_SCALE: z.coerce.number().positive().default(1),
  /** When set, only holders of this secret may open local Direct Line conversations (the /chat page gets tokens from the server). */
  DIRECTLINE_SECRET: z.string().min(16, 'DIRECTLINE_SECRET must be at least 16 characters').optional(),
  /** Live chats: a handoff nobody claims within this many seconds gets "nobody is free yet, leave a number". */
  HANDOFF_UNCLAIMED_SECONDS: z.coerce.number().int().min(5).max(86_400).default(180),
  /** The pickup target (handoff → claim) the reports measure against, in seconds. */
  HANDOFF_PICKUP_TARGET_SECONDS: z.coerce.number().int().min(1).max(86_400).default(120),
  /** How often each instance sweeps for unclaimed handoffs and deadlines at risk, in seconds. */
  LIVE_SWEEP_SECONDS: z.coerce.number().min(0.2).max(3600).default(10),
  /**
   * This deployment's emergency numbers, name=number comma-separated ("fire=119,ambulance=120,power=95598"),
   * over knowledge/safety.yaml's: what the bot gives first when a message is an emergency.
   */
  EMERGENCY_NUMBERS: z
    .string()
    .regex(
      /^\s*(fire|ambulance|police|traffic|power)\s*=\s*[0-9+][0-9 +-]{1,19}\s*(,\s*(fire|ambulance|police|traffic|power)\s*=\s*[0-9+][0-9 +-]{1,19}\s*)*$/,
      'EMERGENCY_NUMBERS must look like fire=119,ambulance=120 (names: fire, ambulance, police, traffic, power)',
    )
    .optional(),
  /** The deployment's time zone (IANA), for deadline times told to operators. */
  /** Anonymous conversations (state, references, transcripts) idle this many days are purged; a ticket's conversation is kept. */
  CONVERSATION_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
  /** Local Direct Line conversations and their activity logs idle this many days are purged; default CONVERSATION_RETENTION_DAYS. */
  DIRECTLINE_LOG_RETENTION_DAYS: z.coerce.number().positive().max(3650).optional(),
  /** How often each instance runs the retention sweep, in minutes. */
  RETENTION_SWEEP_MINUTES: z.coerce.number().min(0.01).max(10_080).default(60),
  SERVICE_TIME_ZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'SERVICE_TIME_ZONE must be an IANA time zone such as Asia/Shanghai'),
});

export interface AppConfig {
  port: number;
  /** The address to listen on; default all interfaces. In-process runs (eval:chat) use 127.0.0.1. */
  host?: string;
  dataDir: string;
  indexDir?: string;
  knowledgeDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  databaseUrl?: string;
  apiKeys?: ApiKey[];
  botAuth?: { MicrosoftAppId?: string; MicrosoftAppPassword?: string; MicrosoftAppType?: string; MicrosoftAppTenantId?: string };
  /** Hosts besides the Bot Framework's own that activities' serviceUrls may name. */
  botServiceUrlHosts?: string[];
  directLineSecret?: string;
  /** Proxy addresses (or "loopback") whose X-Forwarded-For names the client. */
  trustProxy?: string[];
  rateLimitScale?: number;
  /** Live chats and proactive notices (issue 15); defaults when absent. */
  live?: { unclaimedAfterSeconds: number; pickupTargetSeconds: number; sweepSeconds: number; timeZone: string };
  /** Retention of anonymous conversations and Direct Line logs (src/storage/retention.ts); defaults there when absent. */
  retention?: RetentionSettings;
  embedder: { kind: 'use' } | { kind: 'none' } | { kind: 'transformers'; modelDir: string; languages: readonly string[] | 'any' };
  /** The encoder pool (see src/retrieval/embedders/encoder-pool.ts); defaults there. */
  encoder?: { threads?: number; maxQueue?: number; budgetMs?: number };
  /** Retrieval threads (src/retrieval/engine-threads.ts); unset: one per core; 0: the main thread. */
  engineThreads?: number;
  /** Emergency numbers over knowledge/safety.yaml's ({fire: "119", …}). */
  emergencyNumbers?: Record<string, string>;
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
      languages:
        langs === 'any'
          ? 'any'
          : langs
              .split(',')
              .map((l) => l.trim())
              .filter(Boolean),
    };
  } else {
    embedder = { kind: e.EMBEDDER };
  }
  return {
    botAuth: {
      MicrosoftAppId: e.MicrosoftAppId,
      MicrosoftAppPassword: e.MicrosoftAppPassword,
      MicrosoftAppType: e.MicrosoftAppType,
      MicrosoftAppTenantId: e.MicrosoftAppTenantId,
    },
    botServiceUrlHosts: e.BOT_SERVICE_URL_HOSTS?.split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    directLineSecret: e.DIRECTLINE_SECRET,
    trustProxy: e.TRUST_PROXY?.split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    rateLimitScale: e.RATE_LIMIT_SCALE,
    live: {
      unclaimedAfterSeconds: e.HANDOFF_UNCLAIMED_SECONDS,
      pickupTargetSeconds: e.HANDOFF_PICKUP_TARGET_SECONDS,
      sweepSeconds: e.LIVE_SWEEP_SECONDS,
      timeZone: e.SERVICE_TIME_ZONE,
    },
    retention: {
      conversationDays: e.CONVERSATION_RETENTION_DAYS,
      directLineLogDays: e.DIRECTLINE_LOG_RETENTION_DAYS ?? e.CONVERSATION_RETENTION_DAYS,
      sweepMs: e.RETENTION_SWEEP_MINUTES * 60_000,
    },
    databaseUrl: e.DATABASE_URL,
    apiKeys: e.API_KEYS ? parseApiKeys(e.API_KEYS) : undefined,
    port: e.PORT,
    encoder: { threads: e.ENCODER_THREADS, maxQueue: e.ENCODER_QUEUE, budgetMs: e.ENCODER_BUDGET_MS },
    engineThreads: e.ENGINE_THREADS,
    dataDir: resolve(e.DATA_DIR),
    indexDir: e.INDEX_DIR ? resolve(e.INDEX_DIR) : undefined,
    knowledgeDir: resolve(e.KNOWLEDGE_DIR),
    logLevel: e.LOG_LEVEL,
    embedder,
    emergencyNumbers: e.EMERGENCY_NUMBERS ? parseEmergencyNumbers(e.EMERGENCY_NUMBERS) : undefined,
  };
}

function parseEmergencyNumbers(value: string): Record<string, string> {
  return Object.fromEntries(
    value.split(',').map((pair) => {
      const [name, number] = pair.split('=').map((x) => x.trim());
      return [name!, number!.replace(/\s+/g, ' ')];
    }),
  );
}
