import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TicketView } from '../../src/api/responses.js';
import type { ApiKey, AppConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { startServer, type App } from '../../src/server/server.js';
import { createSchema, dropSchema, TEST_DATABASE_URL } from './databases.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './paths.js';
import { ticketRequest } from './tickets.js';

export const KEYS = {
  admin: 'admin-secret-0000000001',
  dispatcher: 'dispatcher-secret-00001',
  agent: 'agent-secret-00000000001',
  tech7: 'technician-secret-T07-01',
  tech8: 'technician-secret-T08-01',
};

export const API_KEYS: ApiKey[] = [
  { secret: KEYS.admin, role: 'admin' },
  { secret: KEYS.dispatcher, role: 'dispatcher' },
  { secret: KEYS.agent, role: 'agent' },
  { secret: KEYS.tech7, role: 'technician', technicianId: 'T-07' },
  { secret: KEYS.tech8, role: 'technician', technicianId: 'T-08' },
];

/** The roster entries behind the technician keys (T-07 in Pudong, T-08 in Minhang). */
export const TEST_TECHNICIANS: Record<
  string,
  {
    name: string;
    phone: string;
    skills: ('PT' | 'CP' | 'RR' | 'PV' | 'TC' | 'MM' | 'HD')[];
    region: string;
    base?: { lat: number; lon: number };
  }
> = {
  'T-07': {
    name: 'Li Qiang',
    phone: '+8613800000007',
    skills: ['PT', 'CP', 'RR', 'TC'],
    region: 'Pudong',
    base: { lat: 31.22, lon: 121.54 },
  },
  'T-08': {
    name: 'Zhao Min',
    phone: '+8613800000008',
    skills: ['PT', 'TC', 'PV', 'MM', 'HD'],
    region: 'Minhang',
    base: { lat: 31.11, lon: 121.38 },
  },
};

export interface TestServer {
  app: App;
  schema?: string;
  base: string;
  stop(): Promise<void>;
}

/** A real server on a free port with its own store (fresh SQLite, or a fresh PostgreSQL schema). */
export async function startTestServer(
  opts: {
    store?: 'sqlite' | 'postgres';
    embedder?: AppConfig['embedder'];
    /** Encoder pool settings (threads, queue size). */
    encoder?: AppConfig['encoder'];
    /**
     * Retrieval threads. Default 0 (the engine in the main thread): a run starts dozens of
     * servers, and each thread loads its own engine. The threaded path, the shipped default,
     * has its own tests (engine-threads.test.ts), and spawned servers (crash, cli) run it.
     */
    engineThreads?: number;
    botAuth?: AppConfig['botAuth'];
    rateLimitScale?: number;
    /** Receives the server's log lines (at debug level) instead of discarding them. */
    log?: (line: string) => void;
    /** For store 'postgres': connect here instead of TEST_DATABASE_URL (e.g. through a proxy). */
    databaseUrl?: string;
    /** Live chats: unclaimed timeout, pickup target, sweep interval, time zone. */
    live?: AppConfig['live'];
    /** For store 'postgres': use this existing schema (another server's, to run two instances on one store); not dropped by stop(). */
    schema?: string;
    directLineSecret?: string;
    /** Another knowledge folder than knowledge/ (e.g. one with an extra product line). */
    knowledgeDir?: string;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'server-'));
  const ownSchema = opts.store === 'postgres' && !opts.schema;
  const schema = opts.store === 'postgres' ? (opts.schema ?? (await createSchema())) : undefined;
  const app = await startServer(
    {
      port: 0,
      dataDir,
      // The real model's index is shared by all tests, so it is embedded once per machine.
      indexDir: join(REPO_ROOT, 'var', 'test', 'index'),
      knowledgeDir: opts.knowledgeDir ?? KNOWLEDGE_DIR,
      logLevel: 'silent',
      embedder: opts.embedder ?? { kind: 'none' },
      encoder: opts.encoder,
      engineThreads: opts.engineThreads ?? 0,
      apiKeys: API_KEYS,
      botAuth: opts.botAuth,
      rateLimitScale: opts.rateLimitScale,
      directLineSecret: opts.directLineSecret,
      databaseUrl: schema ? (opts.databaseUrl ?? TEST_DATABASE_URL) : undefined,
      live: opts.live,
    },
    opts.log ? createLogger('debug', { write: (line: string) => opts.log!(line) }) : createLogger('silent'),
    { pgSchema: schema },
  );
  await app.ready;
  // The test keys' technicians are on the roster, as an admin would have set them up (once per store).
  for (const id of opts.schema ? [] : ['T-07', 'T-08']) {
    await app.services().roster!.create({ ...TEST_TECHNICIANS[id]!, id, active: true });
  }
  return {
    app,
    schema,
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    async stop() {
      await app.close();
      if (schema && ownSchema) await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch with an API key and a JSON body. */
export function api(
  base: string,
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Opens a ticket through the API with the agent's key; with `technicianId`, the dispatcher then assigns it to them. */
export async function openTicket(
  base: string,
  overrides: Parameters<typeof ticketRequest>[0] = {},
  technicianId?: string,
): Promise<TicketView> {
  const ticket = (await (await api(base, KEYS.agent, 'POST', '/api/tickets', ticketRequest(overrides))).json()) as TicketView;
  if (technicianId) await api(base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId });
  return ticket;
}
