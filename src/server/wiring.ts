import {
  ConfigurationBotFrameworkAuthentication,
  ShowTypingMiddleware,
  TranscriptLoggerMiddleware,
  type BotAdapter,
  type TurnContext,
} from 'botbuilder';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import { createBot } from '../bot/create-bot.js';
import type { TriageBot } from '../bot/triage-bot.js';
import { turnErrorHandler } from '../bot/turn-errors.js';
import { answerRecognizers } from '../conversation/recognizers/index.js';
import { DirectLineAdapter } from '../directline/adapter.js';
import { DirectLineStore } from '../directline/store.js';
import { directLineTopic, DirectLineStreams, type DirectLineHint } from '../directline/stream.js';
import { EquipmentStore } from '../equipment/store.js';
import { GapStore } from '../feedback/gap-store.js';
import type { ApiKeyAuth } from '../http/auth.js';
import type { RateLimits } from '../http/rate-limit.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import { Live, openBus } from '../live/live.js';
import { StaffSockets } from '../live/staff-socket.js';
import type { MaintenanceKnowledge } from '../maintenance/knowledge.js';
import { MaintenanceService } from '../maintenance/service.js';
import { MediaStore } from '../media/store.js';
import type { HandoffStore, OutcomeStore } from '../records/triage-records.js';
import { SuggestionCounter } from '../reports/trends.js';
import { EncoderPool } from '../retrieval/embedders/encoder-pool.js';
import { openRetrieval } from '../retrieval/open-engine.js';
import type { Retrieval } from '../retrieval/retrieval.js';
import { checkTechnicianKeys, RosterStore } from '../roster/store.js';
import { StoreUnavailableError, type Database } from '../storage/database.js';
import { openDatabase } from '../storage/open-database.js';
import { DEFAULT_RETENTION, Retention } from '../storage/retention.js';
import { TicketService } from '../tickets/service.js';
import { TicketStore } from '../tickets/store.js';
import { DbTranscriptStore } from '../transcripts/store.js';
import type { ApiKey } from '../config/config.js';
import { ChannelAdapter, ChannelSendError, ServiceUrlNotAllowedError } from './channel-adapter.js';
import type { Metrics } from './metrics.js';
import { serviceUrlPolicy, type ServiceUrlPolicy } from './service-urls.js';

/** Live-chat timings when the configuration names none. */
const DEFAULT_LIVE = { unclaimedAfterSeconds: 180, pickupTargetSeconds: 120, sweepSeconds: 10, timeZone: 'Asia/Shanghai' };

/** What exists from the moment the server listens: read from files and settings, no store. */
export interface Foundation {
  config: AppConfig;
  log: Logger;
  kb: KnowledgeBase;
  maintenanceKnowledge: MaintenanceKnowledge;
  apiKeys: ApiKey[];
  auth: ApiKeyAuth;
  limits: RateLimits;
  metrics: Metrics;
}

/** The Bot Framework channel's adapter and its rules, known before the store opens. */
export interface Channel {
  adapter: ChannelAdapter;
  authenticated: boolean;
  serviceUrls: ServiceUrlPolicy;
  live: typeof DEFAULT_LIVE;
}

/** The application, built once the store and the index are open: what the route modules are given. */
export interface Services {
  db: Database;
  engine: Retrieval;
  tickets: TicketService;
  gaps: GapStore;
  roster: RosterStore;
  media: MediaStore;
  transcripts: DbTranscriptStore;
  equipment: EquipmentStore;
  maintenance: MaintenanceService;
  bot: TriageBot;
  handoffs: HandoffStore;
  outcomes: OutcomeStore;
  directLine: { store: DirectLineStore; adapter: DirectLineAdapter };
  live: Live;
  streams: DirectLineStreams;
  staff: StaffSockets;
  /** Runs a bot turn (both adapters call it). */
  logic: (context: TurnContext) => Promise<void>;
  /** Stops timers and sockets and closes the store, in the order they depend on each other. */
  close(): Promise<void>;
}

/** The Bot Framework channel: its authentication and which serviceUrls it replies to. */
export function openChannel({ config, log }: Pick<Foundation, 'config' | 'log'>): Channel {
  const authenticated = Boolean(config.botAuth?.MicrosoftAppId);
  const serviceUrls = serviceUrlPolicy({ authenticated, extraHosts: config.botServiceUrlHosts });
  const adapter = new ChannelAdapter(new ConfigurationBotFrameworkAuthentication(config.botAuth ?? {}), serviceUrls, log);
  log.info(
    { serviceUrls: serviceUrls.describe() },
    authenticated
      ? 'Bot Framework endpoint /api/messages: activities need a valid Bot Framework token'
      : 'Bot Framework endpoint /api/messages: no MicrosoftAppId, so local development only (loopback callers and loopback serviceUrls); set the Bot Framework credentials for channels',
  );
  return { adapter, authenticated, serviceUrls, live: config.live ?? DEFAULT_LIVE };
}

/** What the application is still waiting for, as readiness reports it. */
export interface Stage {
  field: 'store' | 'index' | 'bot';
  message: string;
}

/** The store may be down when we start: keep trying (readiness says so) rather than give up. */
async function openStore(config: AppConfig, log: Logger, pgSchema: string | undefined, closing: () => boolean): Promise<Database> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        pgSchema,
        onError: (err) => log.warn({ err: err.message }, 'database connection lost; the pool replaces it'),
      });
    } catch (err) {
      if (!(err instanceof StoreUnavailableError) || closing()) throw err;
      log.warn({ err, attempt }, 'store unavailable at start; retrying');
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
    }
  }
}

/**
 * Builds the whole application: opens the store, the stores over it, the ticket and
 * maintenance services, the retrieval engine, the bot, the live desk and both adapters'
 * middleware. The one place that knows how the parts fit; the HTTP server only mounts
 * the result.
 */
export async function wireApplication(
  base: Foundation,
  channel: Channel,
  opts: {
    pgSchema?: string;
    closing: () => boolean;
    /** Told what is being waited for (readiness and the gate say it): the store, then the index, then the bot. */
    stage?: (stage: Stage) => void;
  },
): Promise<Services> {
  const { config, log, kb, metrics, limits, auth, apiKeys } = base;
  const live = channel.live;
  // What has been opened, in order; closed in reverse (also when wiring fails half way).
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err: Error) => log.warn({ err: err.message }, 'closing'));
  };
  const db = await openStore(config, log, opts.pgSchema, opts.closing);
  closers.push(() => db.close());
  opts.stage?.({ field: 'index', message: 'the retrieval index is loading' });
  try {
    const gaps = new GapStore(db);
    const equipment = new EquipmentStore(db);
    const roster = new RosterStore(db);
    const media = new MediaStore(db);
    const transcripts = new DbTranscriptStore(db, log);
    await checkTechnicianKeys(roster, apiKeys, { seedDefault: !config.apiKeys, skills: kb.productLines.codes }, log);
    const tickets = new TicketService(kb, new TicketStore(db), gaps, roster, undefined, (serial) => equipment.get(serial));
    // Reminders go into the contact's conversation through the live desk, built further down
    // (it asks for them in its sweeps, so it exists whenever this is called).
    const maintenance: MaintenanceService = new MaintenanceService(kb, base.maintenanceKnowledge, equipment, tickets, undefined, {
      remind: async (machine, visit): Promise<boolean> => liveDesk.reminders.remind(machine, visit),
    });
    // Staff and the bot get an answer in time under load: late vectors are not waited for (encoder.budgetMs).
    const { retrieval: engine, encoder } = await openRetrieval(config, log, kb);
    closers.push(() => engine.close());
    opts.stage?.({ field: 'bot', message: 'the bot and the live desk are starting' });
    metrics.attach(db);
    limits.share(db);
    if (encoder instanceof EncoderPool) metrics.attachEncoder(() => encoder.stats());
    const counter = new SuggestionCounter(db);
    closers.push(() => counter.flush());
    engine.observe((r) => {
      metrics.suggestions.inc({ result: r.abstain ? 'abstain' : 'match' });
      counter.count('all', r.abstain);
    });
    const technicianName = async (id: string) => (await roster.get(id))?.name;
    const parts = createBot({
      db,
      knowledgeDir: config.knowledgeDir,
      engine,
      kb,
      tickets,
      gaps,
      machines: (serial) => equipment.get(serial),
      onOutcome: (o) => metrics.outcomes.inc({ outcome: o }),
      technicianName,
      emergencyNumbers: config.emergencyNumbers,
      timeZone: live.timeZone,
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
    const liveDesk: Live = new Live(bus, {
      db,
      channel: channel.adapter,
      appId: config.botAuth?.MicrosoftAppId ?? '',
      directLine: () => dlStore,
      state: parts.conversationState,
      tickets,
      registry: metrics.registry,
      settings: {
        unclaimedAfterMs: live.unclaimedAfterSeconds * 1000,
        pickupTargetSeconds: live.pickupTargetSeconds,
        sweepMs: live.sweepSeconds * 1000,
        timeZone: live.timeZone,
      },
      technicianName,
      remindInspections: () => maintenance.dueReminders(),
      // Start over and an emergency (the turn level's danger detector) still reach the bot while a person holds the chat.
      passThrough: parts.turns.passThrough,
      log,
    });
    for (const adapter of [channel.adapter, dlAdapter] as BotAdapter[]) {
      adapter.use(async (context, next) => {
        const channelId = context.activity.channelId ?? 'unknown';
        const end = metrics.turnSeconds.startTimer({ channel: channelId });
        try {
          await next();
        } finally {
          const seconds = end();
          metrics.turns.inc({ channel: channelId });
          // What happened, never what was said: the text may hold names and phone numbers.
          log.debug(
            {
              channel: channelId,
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
      if (adapter === channel.adapter) adapter.use(new ShowTypingMiddleware(400, 2000));
      adapter.use(liveDesk.middleware);
      adapter.onTurnError = turnErrorHandler(
        log,
        parts.conversationState,
        (err) => err instanceof ChannelSendError || err instanceof ServiceUrlNotAllowedError,
      );
    }
    const retention = new Retention(db, config.retention ?? DEFAULT_RETENTION, log);
    retention.start();
    closers.push(() => retention.stop());
    liveDesk.start();
    closers.push(() => liveDesk.close());
    const streams = new DirectLineStreams({ store: () => dlStore, bus, log, admit: (req) => limits.admitUpgrade(req) });
    const staff = new StaffSockets({
      authenticate: (key) => {
        try {
          return auth.actorOfKey(key, ['agent', 'dispatcher', 'admin']);
        } catch {
          return undefined;
        }
      },
      desk: () => liveDesk.desk,
      bus: () => liveDesk.bus,
      admit: (req) => limits.admitUpgrade(req),
      log,
    });
    closers.push(async () => {
      streams.close();
      staff.close();
    });
    const bot = parts.bot;
    return {
      db,
      engine,
      tickets,
      gaps,
      roster,
      media,
      transcripts,
      equipment,
      maintenance,
      bot,
      handoffs: parts.handoffs,
      outcomes: parts.outcomes,
      directLine: { store: dlStore, adapter: dlAdapter },
      live: liveDesk,
      streams,
      staff,
      logic: (context) => bot.run(context),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
