import restify from 'restify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { storableText } from '../storage/storable-text.js';
import type { AppConfig } from '../config/config.js';
import { GapStore } from '../feedback/gap-store.js';
import { loadKnowledge } from '../knowledge/load.js';
import { openEngine } from '../retrieval/open-engine.js';
import type { SuggestionEngine } from '../retrieval/engine.js';
import type { Database } from '../storage/database.js';
import { openDatabase } from '../storage/open-database.js';
import { DEFAULT_RETENTION, Retention } from '../storage/retention.js';
import { TicketService } from '../tickets/service.js';
import { TicketStore } from '../tickets/store.js';
import { ApiKeyAuth, defaultApiKeys } from '../http/auth.js';
import { registerPages } from './pages.js';
import { registerKnowledgeRoutes } from './knowledge-routes.js';
import { registerTicketRoutes } from './ticket-routes.js';
import { registerRosterRoutes } from './roster-routes.js';
import { registerMediaRoutes } from './media-routes.js';
import { DbTranscriptStore } from '../transcripts/store.js';
import { RosterStore, checkTechnicianKeys } from '../roster/store.js';
import { MediaStore } from '../media/store.js';
import { registerEquipmentRoutes } from './equipment-routes.js';
import { registerFleetReportRoutes } from './fleet-report-routes.js';
import { SuggestionCounter } from '../reports/trends.js';
import { EquipmentStore } from '../equipment/store.js';
import { loadMaintenance } from '../maintenance/knowledge.js';
import { MaintenanceService } from '../maintenance/service.js';
import { openApiDocument } from './openapi.js';
import {
  ConfigurationBotFrameworkAuthentication,
  ShowTypingMiddleware,
  TranscriptLoggerMiddleware,
  type Activity,
  type BotAdapter,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import { createBot } from '../bot/create-bot.js';
import { answerRecognizers } from '../conversation/recognizers/index.js';
import type { HandoffStore, OutcomeStore } from '../records/triage-records.js';
import { RateLimits } from '../http/rate-limit.js';
import { Metrics } from './metrics.js';
import { StoreUnavailableError } from '../storage/database.js';
import { guarded, HttpProblem, installErrorEnvelope } from '../http/http-errors.js';
import { readBody } from './body.js';
import { ChannelAdapter, ChannelSendError, ServiceUrlNotAllowedError } from './channel-adapter.js';
import { installProcessGuards } from './process-guards.js';
import { isLoopbackAddress, serviceUrlPolicy } from './service-urls.js';
import { clientAddressOf } from './client-address.js';
import { turnErrorHandler } from '../bot/turn-errors.js';
import type { TriageBot } from '../bot/triage-bot.js';
import { DirectLineAdapter } from '../directline/adapter.js';
import { registerDirectLine } from '../directline/routes.js';
import { DirectLineStore } from '../directline/store.js';
import { suggestBody } from '../api/requests.js';
import { directLineTopic, DirectLineStreams, type DirectLineHint } from '../directline/stream.js';
import { Live, openBus, routeUpgrades } from '../live/live.js';
import { StaffSockets } from '../live/staff-socket.js';
import { registerHandoffRoutes } from './handoff-routes.js';
import { EncoderPool } from '../retrieval/embedders/encoder-pool.js';

/** The least an incoming Bot Framework activity must carry for the adapter to answer it. */
const activityShape = z
  .object({
    type: z.string().min(1).max(100),
    channelId: storableText().max(100).optional(),
    serviceUrl: z.string().url().max(2000),
    conversation: z.object({ id: storableText().min(1).max(1000) }).passthrough(),
    from: z
      .object({ id: storableText().min(1).max(1000) })
      .passthrough()
      .optional(),
    recipient: z
      .object({ id: z.string().min(1).max(1000) })
      .passthrough()
      .optional(),
    text: storableText().max(10_000).optional(),
  })
  .passthrough();

export interface App {
  server: restify.Server;
  /** Resolves once the index and the store are open (healthz turns 200). */
  ready: Promise<void>;
  close(): Promise<void>;
  services(): {
    engine?: SuggestionEngine;
    tickets?: TicketService;
    gaps?: GapStore;
    db?: Database;
    handoffs?: HandoffStore;
    equipment?: EquipmentStore;
    maintenance?: MaintenanceService;
    roster?: RosterStore;
    live?: Live;
    streams?: DirectLineStreams;
  };
}

/**
 * The HTTP server. It listens at once and answers /healthz with 503 until the index
 * and the store are open, so a load balancer never routes to an instance that cannot
 * answer yet.
 */
export async function startServer(config: AppConfig, log: Logger, opts: { pgSchema?: string } = {}): Promise<App> {
  installProcessGuards(log);
  const server = restify.createServer({ name: 'fault-triage-assistant', handleUncaughtExceptions: false });
  installErrorEnvelope(server, log);
  const clientAddress = clientAddressOf(config.trustProxy ?? []);
  // First of all, before routing, body reading and authentication: every request counts.
  const limits = new RateLimits(config.rateLimitScale ?? 1, log, clientAddress);
  server.pre(limits.middleware());
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(readBody({ maxBytes: 64 * 1024 }));
  const kb = loadKnowledge(config.knowledgeDir);
  const maintenanceKnowledge = loadMaintenance(config.knowledgeDir, kb);
  let equipment: EquipmentStore | undefined;
  let maintenance: MaintenanceService | undefined;
  let engine: SuggestionEngine | undefined;
  let tickets: TicketService | undefined;
  let roster: RosterStore | undefined;
  let media: MediaStore | undefined;
  let transcripts: DbTranscriptStore | undefined;
  let gaps: GapStore | undefined;
  let db: Database | undefined;
  const apiKeys = config.apiKeys ?? defaultApiKeys(config.dataDir, log);
  const auth = new ApiKeyAuth(apiKeys);

  // Liveness (restart me if this fails) and readiness (send me traffic), apart, as orchestrators expect.
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });
  server.get(
    '/readyz',
    guarded(log, async (_req, res) => {
      const issues: { field: string; message: string }[] = [];
      if (!engine) issues.push({ field: 'index', message: 'the retrieval index is still loading' });
      if (!db || !tickets) issues.push({ field: 'store', message: 'the store is still opening' });
      else await db.ping(1000).catch(() => issues.push({ field: 'store', message: 'the store does not answer' }));
      if (issues.length > 0) {
        throw new HttpProblem(503, 'not_ready', `not ready: ${issues.map((i) => i.field).join(', ')}`, { 'Retry-After': '5' }, issues);
      }
      res.send(200, { status: 'ready' });
    }),
  );

  const metrics = new Metrics();
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

  // The engine for staff (the call-center panel); operators reach it through the bot.
  server.post(
    '/api/suggest',
    guarded(log, async (req, res) => {
      auth.actor(req);
      if (!engine) throw new StoreUnavailableError('the retrieval index is still loading');
      const { text, ...o } = suggestBody.parse(req.body ?? {});
      o.productLine = kb.productLines.parseOptional(o.productLine);
      // A client that has gone (a superseded panel request, a closed tab) gets no work:
      // its queued encoder call is dropped and nothing is answered.
      const gone = new AbortController();
      const onClose = () => res.writableFinished || gone.abort();
      res.once('close', onClose);
      try {
        if (req.socket.destroyed) gone.abort();
        res.send(200, await engine.suggest(text, { ...o, signal: gone.signal }));
      } catch (err) {
        if (gone.signal.aborted) return log.debug({ url: req.getPath() }, 'client gone; suggestion dropped');
        throw err;
      } finally {
        res.off('close', onClose);
      }
    }),
  );

  server.get('/api/openapi.json', async (_req, res) => {
    res.send(200, openApiDocument());
  });
  registerTicketRoutes(server, {
    tickets: () => tickets,
    gaps: () => gaps,
    outcomes: () => outcomes,
    roster: () => roster,
    lines: kb.productLines,
    auth,
    log,
  });
  registerRosterRoutes(server, { roster: () => roster, tickets: () => tickets, lines: kb.productLines, auth, limits, log });
  registerMediaRoutes(server, {
    tickets: () => tickets,
    media: () => media,
    roster: () => roster,
    directLine: () => directLine?.store,
    transcripts: () => transcripts,
    desk: () => live?.desk,
    auth,
    limits,
    log,
  });
  registerKnowledgeRoutes(server, { kb, auth, log });
  let suggestionCounter: SuggestionCounter | undefined;
  registerFleetReportRoutes(server, { db: () => db, maintenance: () => maintenance, auth, limits, log });
  registerEquipmentRoutes(server, {
    kb,
    equipment: () => equipment,
    maintenance: () => maintenance,
    tickets: () => tickets,
    auth,
    limits,
    log,
  });
  registerPages(server);

  // The bot: Bot Framework channels through CloudAdapter, browsers through the local Direct Line.
  let bot: TriageBot | undefined;
  let handoffs: HandoffStore | undefined;
  let outcomes: OutcomeStore | undefined;
  let directLine: { store: DirectLineStore; adapter: DirectLineAdapter } | undefined;
  const authenticated = Boolean(config.botAuth?.MicrosoftAppId);
  const serviceUrls = serviceUrlPolicy({ authenticated, extraHosts: config.botServiceUrlHosts });
  const cloudAdapter = new ChannelAdapter(new ConfigurationBotFrameworkAuthentication(config.botAuth ?? {}), serviceUrls, log);
  const logic = (context: TurnContext) => bot!.run(context);
  log.info(
    { serviceUrls: serviceUrls.describe() },
    authenticated
      ? 'Bot Framework endpoint /api/messages: activities need a valid Bot Framework token'
      : 'Bot Framework endpoint /api/messages: no MicrosoftAppId, so local development only (loopback callers and loopback serviceUrls); set the Bot Framework credentials for channels',
  );
  server.post(
    '/api/messages',
    guarded(log, async (req, res) => {
      if (!authenticated && !isLoopbackAddress(clientAddress(req))) {
        throw new HttpProblem(403, 'local_only', 'without Bot Framework credentials this endpoint serves the machine itself only');
      }
      if (!bot || !directLine) throw new StoreUnavailableError('the bot is still starting');
      // The adapter answers a malformed activity with a 500; shape errors are the sender's: 400.
      const activity = activityShape.parse(req.body) as unknown as Activity;
      // With credentials the framework's token validation decides first; without, it lets the local caller through.
      const identity = await cloudAdapter.authenticate(activity, req.header('authorization') ?? '').catch((err: unknown) => {
        if (err instanceof AuthenticationError)
          throw new HttpProblem(401, 'unauthorized', 'the Bot Framework token was not accepted', { 'WWW-Authenticate': 'Bearer' });
        throw new HttpProblem(503, 'bot_framework_unavailable', 'the Bot Framework could not check the token; retry later', {
          'Retry-After': '5',
        });
      });
      if (!serviceUrls.allows(activity.serviceUrl))
        throw new HttpProblem(403, 'service_url_not_allowed', 'the activity names a serviceUrl this bot does not reply to');
      // A conversation stays on the channel it was created on: the local Direct Line's ids are refused here.
      if (await directLine.store.exists(activity.conversation.id)) {
        throw new HttpProblem(403, 'conversation_bound', 'this conversation belongs to another channel');
      }
      const invoke = await cloudAdapter.runAuthenticated(identity, activity, logic);
      res.send(invoke?.status ?? 200, invoke?.body);
    }),
  );
  registerDirectLine(server, {
    store: () => directLine?.store,
    adapter: () => directLine?.adapter,
    logic,
    secret: config.directLineSecret,
    media: () => media,
    limits,
    log,
  });
  // Live chats: the call center's queue of handed-over conversations, and WebSocket streams.
  let live: Live | undefined;
  let streams: DirectLineStreams | undefined;
  let staff: StaffSockets | undefined;
  const liveSettings = config.live ?? { unclaimedAfterSeconds: 180, pickupTargetSeconds: 120, sweepSeconds: 10, timeZone: 'Asia/Shanghai' };
  registerHandoffRoutes(server, { desk: () => live?.desk, auth, pickupTargetSeconds: liveSettings.pickupTargetSeconds, log });
  routeUpgrades(server.server, { streams: () => streams, staff: () => staff, log });

  await new Promise<void>((resolve) => server.listen(config.port, config.host ?? '0.0.0.0', resolve));
  log.info({ port: (server.address() as { port: number }).port }, 'listening; loading the fault manual, index and store');

  /** The store may be down when we start: keep trying (readiness says so) rather than give up. */
  const openStore = async (): Promise<Database> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await openDatabase({
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          pgSchema: opts.pgSchema,
          onError: (err) => log.warn({ err: err.message }, 'database connection lost; the pool replaces it'),
        });
      } catch (err) {
        if (!(err instanceof StoreUnavailableError) || closing) throw err;
        log.warn({ err, attempt }, 'store unavailable at start; retrying');
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
      }
    }
  };
  let closing = false;
  let retention: Retention | undefined;

  const started = performance.now();
  const ready = (async () => {
    db = await openStore();
    gaps = new GapStore(db);
    const machines = new EquipmentStore(db);
    roster = new RosterStore(db);
    media = new MediaStore(db);
    transcripts = new DbTranscriptStore(db, log);
    await checkTechnicianKeys(roster, apiKeys, { seedDefault: !config.apiKeys, skills: kb.productLines.codes }, log);
    const ticketService = new TicketService(kb, new TicketStore(db), gaps, roster, undefined, (serial) => machines.get(serial));
    // Reminders go into the contact's conversation through the live desk's proactive mechanism, once it is up.
    const service = new MaintenanceService(kb, maintenanceKnowledge, machines, ticketService, undefined, {
      remind: async (machine, visit) => (live ? live.reminders.remind(machine, visit) : false),
    });
    maintenance = service;
    equipment = machines;
    tickets = ticketService;
    const loaded = await openEngine(config, log, kb);
    // Staff and the bot get an answer in time under load: late vectors are not waited for.
    loaded.encoderBudgetMs = config.encoder?.budgetMs;
    metrics.attach(db);
    limits.share(db);
    if (loaded.encoder instanceof EncoderPool) {
      const pool = loaded.encoder;
      metrics.attachEncoder(() => pool.stats());
    }
    const counter = new SuggestionCounter(db);
    suggestionCounter = counter;
    loaded.observe((r) => {
      metrics.suggestions.inc({ result: r.abstain ? 'abstain' : 'match' });
      counter.count('all', r.abstain);
    });
    const parts = createBot({
      db,
      knowledgeDir: config.knowledgeDir,
      engine: loaded,
      kb,
      tickets,
      gaps,
      machines: (serial) => machines.get(serial),
      onOutcome: (o) => metrics.outcomes.inc({ outcome: o }),
      technicianName: async (id) => (await roster?.get(id))?.name,
      emergencyNumbers: config.emergencyNumbers,
      timeZone: liveSettings.timeZone,
      onStateConflict: (result) => metrics.stateConflicts.inc({ result }),
      answers: answerRecognizers(config.knowledgeDir),
    });
    const bus = await openBus(db, { databaseUrl: config.databaseUrl, log });
    // Every append to a Direct Line log tells the instance holding that conversation's stream.
    const dlStore = new DirectLineStore(db, (id) => {
      bus
        .publish(directLineTopic(id), { kind: 'activities' } satisfies DirectLineHint)
        .catch((err: Error) => log.warn({ err: err.message }, 'stream hint not published'));
    });
    const dlAdapter = new DirectLineAdapter(dlStore);
    const liveParts = new Live(bus, {
      db,
      channel: cloudAdapter,
      appId: config.botAuth?.MicrosoftAppId ?? '',
      directLine: () => dlStore,
      state: parts.conversationState,
      tickets: ticketService,
      registry: metrics.registry,
      settings: {
        unclaimedAfterMs: liveSettings.unclaimedAfterSeconds * 1000,
        pickupTargetSeconds: liveSettings.pickupTargetSeconds,
        sweepMs: liveSettings.sweepSeconds * 1000,
        timeZone: liveSettings.timeZone,
      },
      technicianName: async (id) => (await roster?.get(id))?.name,
      remindInspections: () => service.dueReminders(),
      // Start over and an emergency (the turn level's danger detector) still reach the bot while a person holds the chat.
      passThrough: parts.turns.passThrough,
      log,
    });
    for (const adapter of [cloudAdapter, dlAdapter] as BotAdapter[]) {
      adapter.use(async (context, next) => {
        const channel = context.activity.channelId ?? 'unknown';
        const end = metrics.turnSeconds.startTimer({ channel });
        try {
          await next();
        } finally {
          const seconds = end();
          metrics.turns.inc({ channel });
          // What happened, never what was said: the text may hold names and phone numbers.
          log.debug(
            {
              channel,
              conversation: context.activity.conversation?.id,
              type: context.activity.type,
              chars: context.activity.text?.length ?? 0,
              ms: Math.round(seconds * 1000),
            },
            'bot turn',
          );
        }
      });
      // One transcript for every channel (botbuilder's logger): what staff read of a conversation, whichever way the operator came.
      adapter.use(new TranscriptLoggerMiddleware(transcripts));
      // Typing indicators for channels that push (Teams, Emulator); a polling Direct Line client would see them too late.
      if (adapter === cloudAdapter) adapter.use(new ShowTypingMiddleware(400, 2000));
      adapter.use(liveParts.middleware);
      adapter.onTurnError = turnErrorHandler(
        log,
        parts.conversationState,
        (err) => err instanceof ChannelSendError || err instanceof ServiceUrlNotAllowedError,
      );
    }
    directLine = { store: dlStore, adapter: dlAdapter };
    streams = new DirectLineStreams({ store: () => dlStore, bus, log, admit: (req) => limits.admitUpgrade(req) });
    staff = new StaffSockets({
      authenticate: (key) => {
        try {
          return auth.actorOfKey(key, ['agent', 'dispatcher', 'admin']);
        } catch {
          return undefined;
        }
      },
      desk: () => live?.desk,
      bus: () => live?.bus,
      admit: (req) => limits.admitUpgrade(req),
      log,
    });
    retention = new Retention(db, config.retention ?? DEFAULT_RETENTION, log);
    retention.start();
    live = liveParts;
    live.start();
    bot = parts.bot;
    handoffs = parts.handoffs;
    outcomes = parts.outcomes;
    engine = loaded;
    log.info({ ms: Math.round(performance.now() - started), faults: kb.faults.length, store: db.kind }, 'ready');
  })();

  return {
    server,
    ready,
    services: () => ({ engine, tickets, gaps, db, handoffs, equipment, maintenance, roster, live, streams }),
    async close() {
      closing = true;
      server.close();
      await ready.catch(() => undefined);
      streams?.close();
      staff?.close();
      await live?.close().catch(() => undefined);
      await retention?.stop();
      await suggestionCounter?.flush().catch(() => undefined);
      await engine?.close();
      await db?.close();
    },
  };
}
