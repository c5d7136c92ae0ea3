import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BotState, CloudAdapter, Middleware } from 'botbuilder';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import { DirectLineStreams, refuse } from '../directline/stream.js';
import type { DirectLineStore } from '../directline/store.js';
import type { Database } from '../storage/database.js';
import type { TicketService } from '../tickets/service.js';
import { InProcessBus, PostgresBus, type Bus } from './bus.js';
import { ConversationDirectory } from './conversations.js';
import { Delivery } from './delivery.js';
import { HandoffDesk } from './handoffs.js';
import { liveMiddleware, type PassThrough } from './middleware.js';
import { STAFF_SOCKET_PATH, type StaffSockets } from './staff-socket.js';
import { InspectionReminders } from './reminders.js';
import { TicketNotices, type TechnicianName } from './ticket-notices.js';

export interface LiveSettings {
  /** A handoff nobody claims within this long gets "nobody is free yet, leave a number". */
  unclaimedAfterMs: number;
  /** The pickup target (handoff → claim) the report measures against. */
  pickupTargetSeconds: number;
  /** How often each instance looks for unclaimed handoffs and deadlines at risk. */
  sweepMs: number;
  /** The deployment's time zone, for deadline times told to operators. */
  timeZone: string;
}

const REMIND_EVERY_MS = 3600_000;

/**
 * The bus for this store: PostgreSQL's LISTEN/NOTIFY when several instances may share it,
 * an in-process bus for SQLite (one process). Why not Redis: every multi-instance
 * deployment already runs PostgreSQL, so NOTIFY adds no service to run, secure and watch.
 */
export async function openBus(db: Database, opts: { databaseUrl?: string; log: Logger }): Promise<Bus> {
  if (db.kind !== 'postgres' || !opts.databaseUrl) return new InProcessBus(opts.log);
  const [row] = await db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
  return PostgresBus.open({
    connectionString: opts.databaseUrl,
    schema: row?.schema ?? 'public',
    notify: (channel, payload) => db.query(`SELECT pg_notify($1, $2)`, [channel, payload]),
    log: opts.log,
  });
}

/**
 * The human side of the conversation, wired: conversation references, the proactive
 * mechanism, the handoff desk, ticket notices, the turn middleware and the sweeps that
 * tell operators when nobody is free or a deadline is at risk.
 */
export class Live {
  readonly directory: ConversationDirectory;
  readonly delivery: Delivery;
  readonly desk: HandoffDesk;
  readonly notices: TicketNotices;
  /** Maintenance reminders into the contact's conversation (the maintenance service's ReminderChannel). */
  readonly reminders: InspectionReminders;
  readonly middleware: Middleware;
  private remindedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private ticks = 0;
  private readonly stopListening: () => void;

  constructor(
    readonly bus: Bus,
    private readonly deps: {
      db: Database;
      channel: CloudAdapter;
      appId: string;
      directLine: () => DirectLineStore | undefined;
      state: BotState;
      tickets: TicketService;
      registry: Registry;
      settings: LiveSettings;
      technicianName?: TechnicianName;
      /** Sends the reminders that are due (MaintenanceService.dueReminders); run about hourly by the sweep. */
      remindInspections?: () => Promise<unknown>;
      /** What the bot still answers while a person holds the conversation (the conversation's own commands and danger words). */
      passThrough: PassThrough;
      log: Logger;
    },
  ) {
    const { db, log } = deps;
    this.directory = new ConversationDirectory(db);
    this.delivery = new Delivery({
      directory: this.directory,
      channel: deps.channel,
      appId: deps.appId,
      directLine: deps.directLine,
      bus,
      log,
    });
    const pickup = new Histogram({
      name: 'triage_handoff_pickup_seconds',
      help: 'Time from the bot handing a conversation over to an agent claiming it',
      buckets: [10, 30, 60, 120, 180, 300, 600, 1200, 1800, 3600],
      registers: [deps.registry],
    });
    this.desk = new HandoffDesk(db, { delivery: this.delivery, bus, log, pickup });
    this.notices = new TicketNotices(db, {
      directory: this.directory,
      delivery: this.delivery,
      desk: this.desk,
      technicianName: deps.technicianName,
      timeZone: deps.settings.timeZone,
      log,
    });
    this.reminders = new InspectionReminders(db, {
      directory: this.directory,
      delivery: this.delivery,
      timeZone: deps.settings.timeZone,
      log,
    });
    this.stopListening = deps.tickets.onChange(this.notices.listener);
    this.middleware = liveMiddleware({ directory: this.directory, desk: this.desk, state: deps.state, passThrough: deps.passThrough, log });
  }

  /** Starts this instance's sweeps (every instance runs them; each notice is claimed once in the store). */
  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.deps.settings.sweepMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.desk.sweepUnclaimed(this.deps.settings.unclaimedAfterMs);
      // Deadlines move in hours: a look every few sweeps is plenty.
      if (this.ticks++ % 6 === 0) await this.notices.sweepAtRisk();
      // Inspections are planned in days: reminders once an hour (each visit is reminded once anyway).
      if (this.deps.remindInspections && Date.now() - this.remindedAt >= REMIND_EVERY_MS) {
        this.remindedAt = Date.now();
        await this.deps.remindInspections();
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'live sweep failed; trying again at the next one');
    } finally {
      this.sweeping = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stopListening();
    await this.bus.close();
  }
}

/**
 * WebSocket upgrades: Direct Line streams and the panel's live line. restify does not
 * handle upgrades; the server's readiness gate hands them here once the application is
 * built. Anything else is answered 404 and closed.
 */
export function upgradeRouter(routes: { streams: DirectLineStreams; staff: StaffSockets; log: Logger }) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://local');
    } catch {
      return refuse(socket, 400, 'malformed URL');
    }
    const handle = async () => {
      const conversationId = DirectLineStreams.match(url.pathname);
      if (conversationId !== undefined) return routes.streams.upgrade(req, socket, head, conversationId, url);
      if (url.pathname === STAFF_SOCKET_PATH) return routes.staff.upgrade(req, socket, head);
      refuse(socket, 404, 'no WebSocket here');
    };
    handle().catch((err: Error) => {
      routes.log.warn({ err: err.message }, 'WebSocket upgrade failed');
      refuse(socket, 503, 'try again in a moment');
    });
  };
}
