import restify from 'restify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { loadKnowledge } from '../knowledge/load.js';
import { loadMaintenance } from '../maintenance/knowledge.js';
import { ApiKeyAuth, defaultApiKeys } from '../http/auth.js';
import { RateLimits } from '../http/rate-limit.js';
import { guarded, HttpProblem, installErrorEnvelope } from '../http/http-errors.js';
import { upgradeRouter } from '../live/live.js';
import { registerDirectLine } from '../directline/routes.js';
import { registerPages } from './pages.js';
import { registerKnowledgeRoutes } from './knowledge-routes.js';
import { registerTicketRoutes } from './ticket-routes.js';
import { registerRosterRoutes } from './roster-routes.js';
import { registerMediaRoutes } from './media-routes.js';
import { registerEquipmentRoutes } from './equipment-routes.js';
import { registerFleetReportRoutes } from './fleet-report-routes.js';
import { registerHandoffRoutes } from './handoff-routes.js';
import { registerSuggestRoutes } from './suggest-routes.js';
import { registerBotRoutes } from './bot-routes.js';
import { openApiDocument } from './openapi.js';
import { Metrics } from './metrics.js';
import { readBody } from './body.js';
import { installProcessGuards } from './process-guards.js';
import { isLoopbackAddress } from './service-urls.js';
import { clientAddressOf } from './client-address.js';
import { ReadinessGate } from './ready-gate.js';
import { openChannel, wireApplication, type Channel, type Foundation, type Services, type Stage } from './wiring.js';

export type { Services } from './wiring.js';

export interface App {
  server: restify.Server;
  /** Resolves once the application is built and its routes are mounted (readyz turns 200). */
  ready: Promise<void>;
  close(): Promise<void>;
  /** The application's services; empty until `ready` resolves. */
  services(): Partial<Services>;
}

/**
 * The HTTP server. It listens at once: liveness, readiness, metrics, the OpenAPI document
 * and the pages answer from the start, while the wiring (src/server/wiring.ts) opens the
 * store and the index and builds the application. Then the application's routes are
 * mounted with the services they need and the readiness gate opens; until then the gate
 * answers every request that needs the application with 503 `not_ready`.
 */
export async function startServer(config: AppConfig, log: Logger, opts: { pgSchema?: string } = {}): Promise<App> {
  installProcessGuards(log);
  const server = restify.createServer({ name: 'fault-triage-assistant', handleUncaughtExceptions: false });
  installErrorEnvelope(server, log);
  const clientAddress = clientAddressOf(config.trustProxy ?? []);
  // First of all, before the gate, routing, body reading and authentication: every request counts.
  const limits = new RateLimits(config.rateLimitScale ?? 1, log, clientAddress);
  server.pre(limits.middleware());
  let stage: Stage = { field: 'store', message: 'the store is opening' };
  const gate = new ReadinessGate(server, () => stage.message);
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(readBody({ maxBytes: 64 * 1024 }));
  const kb = loadKnowledge(config.knowledgeDir);
  const apiKeys = config.apiKeys ?? defaultApiKeys(config.dataDir, log);
  const base: Foundation = {
    config,
    log,
    kb,
    maintenanceKnowledge: loadMaintenance(config.knowledgeDir, kb),
    apiKeys,
    auth: new ApiKeyAuth(apiKeys),
    limits,
    metrics: new Metrics(),
  };
  const channel = openChannel(base);
  let services: Services | undefined;

  registerAlwaysOn(server, base, clientAddress, () => services ?? stage);

  await new Promise<void>((resolve) => server.listen(config.port, config.host ?? '0.0.0.0', resolve));
  log.info({ port: (server.address() as { port: number }).port }, 'listening; loading the fault manual, index and store');

  let closing = false;
  const started = performance.now();
  const ready = (async () => {
    const app = await wireApplication(base, channel, { pgSchema: opts.pgSchema, closing: () => closing, stage: (s) => (stage = s) });
    mountApplication(server, base, channel, app, clientAddress);
    services = app;
    gate.open(upgradeRouter({ streams: app.streams, staff: app.staff, log }));
    log.info({ ms: Math.round(performance.now() - started), faults: kb.faults.length, store: app.db.kind }, 'ready');
  })();

  return {
    server,
    ready,
    services: () => services ?? {},
    async close() {
      closing = true;
      server.close();
      await ready.catch(() => undefined);
      await services?.close();
    },
  };
}

/** What answers before the application is built: liveness, readiness, metrics, the OpenAPI document, the pages. */
function registerAlwaysOn(
  server: restify.Server,
  { log, metrics, auth, kb }: Foundation,
  clientAddress: (req: restify.Request) => string,
  /** The application once built, or what it is still waiting for. */
  services: () => Services | Stage,
): void {
  // Liveness (restart me if this fails) and readiness (send me traffic), apart, as orchestrators expect.
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });
  server.get(
    '/readyz',
    guarded(log, async (_req, res) => {
      const app = services();
      const issues: { field: string; message: string }[] = [];
      if ('field' in app) issues.push({ field: app.field, message: app.message });
      else await app.db.ping(1000).catch(() => issues.push({ field: 'store', message: 'the store does not answer' }));
      if (issues.length > 0) {
        throw new HttpProblem(503, 'not_ready', `not ready: ${issues.map((i) => i.field).join(', ')}`, { 'Retry-After': '5' }, issues);
      }
      res.send(200, { status: 'ready' });
    }),
  );

  server.on('after', (req: restify.Request, res: restify.Response, route?: { path?: string }) => {
    const ms = Date.now() - req.time();
    const labels = { route: String(route?.path ?? 'unmatched'), method: req.method ?? '', status: String(res.statusCode) };
    metrics.httpSeconds.observe(labels, ms / 1000);
    // Route patterns, not URLs: ids and query strings stay out of the log.
    log.debug({ ...labels, ms }, 'request');
  });
  // Prometheus scrapes from the machine itself freely; from elsewhere it needs an admin key.
  server.get(
    '/metrics',
    guarded(log, async (req, res) => {
      if (!isLoopbackAddress(clientAddress(req))) auth.actor(req, ['admin']);
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
    }),
  );
  // Generated once, from the zod schemas and the loaded manual's product lines.
  const document = openApiDocument(kb.productLines);
  server.get('/api/openapi.json', async (_req, res) => {
    res.send(200, document);
  });
  registerPages(server);
}

/** The application's routes, each module given the services it uses (the gate keeps callers out until this has run). */
function mountApplication(
  server: restify.Server,
  { config, kb, auth, limits, log }: Foundation,
  channel: Channel,
  app: Services,
  clientAddress: (req: restify.Request) => string,
): void {
  const lines = kb.productLines;
  registerSuggestRoutes(server, { engine: app.engine, lines, auth, log });
  registerKnowledgeRoutes(server, { kb, auth, log });
  registerTicketRoutes(server, { tickets: app.tickets, gaps: app.gaps, outcomes: app.outcomes, roster: app.roster, lines, auth, log });
  registerRosterRoutes(server, { roster: app.roster, tickets: app.tickets, lines, auth, limits, log });
  registerMediaRoutes(server, {
    tickets: app.tickets,
    media: app.media,
    roster: app.roster,
    directLine: app.directLine.store,
    transcripts: app.transcripts,
    desk: app.live.desk,
    auth,
    limits,
    log,
  });
  registerFleetReportRoutes(server, { db: app.db, maintenance: app.maintenance, auth, limits, log });
  registerEquipmentRoutes(server, { kb, equipment: app.equipment, maintenance: app.maintenance, tickets: app.tickets, auth, limits, log });
  registerHandoffRoutes(server, { desk: app.live.desk, auth, pickupTargetSeconds: channel.live.pickupTargetSeconds, log });
  registerBotRoutes(server, {
    adapter: channel.adapter,
    logic: app.logic,
    authenticated: channel.authenticated,
    serviceUrls: channel.serviceUrls,
    directLine: app.directLine.store,
    clientAddress,
    log,
  });
  registerDirectLine(server, {
    store: app.directLine.store,
    adapter: app.directLine.adapter,
    logic: app.logic,
    secret: config.directLineSecret,
    media: app.media,
    limits,
    log,
  });
}
