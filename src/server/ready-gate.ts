import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request, Response, Next, Server } from 'restify';
import { refuse } from '../directline/stream.js';

/** How long a caller is asked to wait before trying again (seconds). */
const RETRY_AFTER = '5';

/**
 * Paths that answer from the moment the server listens: liveness and readiness, metrics,
 * the OpenAPI document (built from the manual, loaded synchronously) and the pages' static
 * files. Everything under /api/ or /v3/ needs the store, the index or the bot.
 */
function needsApplication(path: string): boolean {
  if (path === '/api/openapi.json') return false;
  return path.startsWith('/api/') || path.startsWith('/v3/');
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The one "not ready yet" answer. The server listens at once (so /healthz answers and an
 * orchestrator sees the instance start), but the routes that need the application are
 * registered only when the wiring has built it; until then this gate answers every such
 * request, HTTP or WebSocket, with 503 `not_ready` and Retry-After instead of each route
 * checking for itself.
 */
export class ReadinessGate {
  private upgrades: UpgradeHandler | undefined;
  private opened = false;

  constructor(
    server: Server,
    /** Why the application is not ready, for the answer (the store retrying, the index loading). */
    private readonly reason: () => string,
  ) {
    server.pre((req: Request, res: Response, next: Next) => {
      if (this.opened || !needsApplication(req.getPath())) return next();
      res.header('Retry-After', RETRY_AFTER);
      res.send(503, { code: 'not_ready', error: `not ready yet: ${this.reason()}; retry after ${RETRY_AFTER} seconds` });
      return next(false);
    });
    // restify does not route upgrades: one listener, which hands them on once the application is there.
    server.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      if (this.upgrades) return this.upgrades(req, socket, head);
      refuse(socket, 503, `not ready yet: ${this.reason()}`, 'not_ready');
    });
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** Lets requests through to the routes registered since, and WebSocket upgrades to `upgrades`. */
  open(upgrades: UpgradeHandler): void {
    this.upgrades = upgrades;
    this.opened = true;
  }
}
