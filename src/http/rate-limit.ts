import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { Next, Request, Response } from 'restify';
import type { Database } from '../storage/database.js';

/** Too many requests: HTTP 429 with Retry-After. */
export class TooManyRequestsError extends Error {
  override name = 'TooManyRequestsError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many requests; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * Requests per window (60 s unless said) for each kind of traffic, per presented
 * credential and per client address. `shared: false` keeps a bucket in this instance's
 * memory even when counters are shared (a readiness probe is about this instance).
 */
const LIMITS = {
  probe: { perKey: 0, perIp: 1200, shared: false },
  pages: { perKey: 0, perIp: 1200 },
  suggest: { perKey: 600, perIp: 1200 },
  api: { perKey: 1200, perIp: 2400 },
  botMessages: { perKey: 0, perIp: 3000 },
  directLine: { perKey: 0, perIp: 3000 },
  /** New anonymous conversations (tokens) per address: a quota, not a rate. */
  conversations: { perKey: 0, perIp: 60, seconds: 600 },
  /** Photo and video uploads (chat and staff): each may be megabytes. */
  upload: { perKey: 120, perIp: 60 },
} as const satisfies Record<string, { perKey: number; perIp: number; seconds?: number; shared?: boolean }>;
export type Bucket = keyof typeof LIMITS;

interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
}

/** Which bucket a request counts against, from its path alone (it runs before routing, so 404s count too). */
export function bucketOf(path: string): Bucket {
  if (path === '/healthz' || path === '/readyz') return 'probe';
  if (path === '/api/suggest') return 'suggest';
  if (path === '/api/messages') return 'botMessages';
  if (path.startsWith('/v3/directline/') || path === '/chat/token') return 'directLine';
  if (path.startsWith('/api/') || path === '/metrics') return 'api';
  return 'pages';
}

/** A stable, non-reversible name for whatever credential the request presents (valid or not). */
function credentialOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  return createHash('sha256').update(header).digest('hex').slice(0, 24);
}

/**
 * Rate limits (rate-limiter-flexible). They run first, before the body is read and before
 * authentication, on every request: a flood of wrong keys is limited like any other.
 * Counted per client address and per presented credential. With PostgreSQL the counters
 * live in the shared database (table rate_limits), so N instances do not mean N times the
 * limit; each lookup has a short deadline and falls back to this instance's memory when
 * the database is slow or down, so the limiter never makes an outage worse. `scale`
 * multiplies every limit (RATE_LIMIT_SCALE), e.g. for load tests from one address.
 */
export class RateLimits {
  private readonly limiters = new Map<string, Limiter>();
  private store: Database | undefined;

  constructor(
    private readonly scale = 1,
    private readonly log?: Logger,
    /** The client's address (see client-address.ts: proxies are believed only when trusted). */
    private readonly addressOf: (req: Request) => string = (req) => req.socket.remoteAddress ?? 'unknown',
  ) {}

  /** Shares the counters through this database from now on (PostgreSQL; SQLite means one instance). */
  share(db: Database): void {
    if (db.kind !== 'postgres') return;
    this.store = db;
    this.limiters.clear();
  }

  get shared(): boolean {
    return this.store !== undefined;
  }

  private limiter(bucket: Bucket, kind: 'ip' | 'key', perWindow: number): Limiter {
    const name = `${bucket}:${kind}`;
    const known = this.limiters.get(name);
    if (known) return known;
    let l: Limiter;
    const limits: { perIp: number; seconds?: number; shared?: boolean } = LIMITS[bucket];
    const opts = { points: Math.max(1, Math.round(perWindow * this.scale)), duration: limits.seconds ?? 60, keyPrefix: name };
    const memory = new RateLimiterMemory(opts);
    if (this.store && limits.shared !== false) {
      const db = this.store;
      const pg = new RateLimiterPostgres({
        ...opts,
        // Through the assistant's own pool, with its timeouts and error handling.
        storeClient: { query: async (q: { text: string; values?: unknown[] }) => ({ rows: await db.query(q.text, q.values ?? []) }) },
        storeType: 'pool',
        tableName: 'rate_limits',
        tableCreated: true, // migration 005
        insuranceLimiter: memory,
      });
      l = new RLWrapperTimeouts({ limiter: pg, timeoutMs: 300, insuranceLimiter: memory });
    } else {
      l = memory;
    }
    this.limiters.set(name, l);
    return l;
  }

  /**
   * For a route with a budget of its own (uploads, new conversations): counts the request
   * against `bucket` too, per address and per `key` (e.g. the caller's API key label). A
   * bucket the request already counted against before routing is not counted twice.
   */
  async check(bucket: Bucket, req: Request, key?: string): Promise<void> {
    if (bucket === bucketOf(req.getPath())) return;
    await this.consume(bucket, this.addressOf(req), key);
  }

  /** Counts one request against a bucket; throws TooManyRequestsError when it is used up. */
  private async consume(bucket: Bucket, address: string, credential?: string): Promise<void> {
    const limits = LIMITS[bucket];
    try {
      await this.limiter(bucket, 'ip', limits.perIp).consume(address);
      if (credential && limits.perKey > 0) await this.limiter(bucket, 'key', limits.perKey).consume(credential);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new TooManyRequestsError(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
      // The limiter itself failed (and so did its insurance): serve rather than refuse everyone.
      this.log?.warn({ err }, 'rate limiter unavailable; request let through');
    }
  }

  /**
   * For a WebSocket upgrade (restify never sees it): counts it against the bucket of its
   * path, per address, as the `pre` handler does for every HTTP request.
   */
  async admitUpgrade(req: IncomingMessage): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    await this.consume(bucketOf(path), this.addressOf(req as unknown as Request));
  }

  /** The restify `pre` handler: every request counts before routing, body reading and authentication. */
  middleware() {
    return (req: Request, _res: Response, next: Next): void => {
      this.consume(bucketOf(req.getPath()), this.addressOf(req), credentialOf(req)).then(
        () => next(),
        (err: unknown) => next(err as Error),
      );
    };
  }
}
