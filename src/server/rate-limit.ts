import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Request } from 'restify';

/** Too many requests: HTTP 429 with Retry-After. */
export class TooManyRequestsError extends Error {
  override name = 'TooManyRequestsError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many requests; retry after ${retryAfterSeconds} s`);
  }
}

/** Requests per minute for each kind of traffic, per API key and per client address. */
const LIMITS = {
  suggest: { perKey: 600, perIp: 1200 },
  api: { perKey: 1200, perIp: 2400 },
  chatToken: { perKey: 0, perIp: 60 },
  directLine: { perKey: 0, perIp: 3000 },
  /** Photo and video uploads (chat and staff): each may be megabytes. */
  upload: { perKey: 120, perIp: 60 },
} as const;
export type Bucket = keyof typeof LIMITS;

/**
 * Per-key and per-address limits (rate-limiter-flexible, in memory: each instance
 * counts its own traffic). `scale` multiplies every limit, e.g. for load tests that
 * send everything from 127.0.0.1.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterMemory>();

  constructor(private readonly scale = 1) {}

  private limiter(name: string, perMinute: number): RateLimiterMemory {
    let l = this.limiters.get(name);
    if (!l) {
      l = new RateLimiterMemory({ points: Math.max(1, Math.round(perMinute * this.scale)), duration: 60 });
      this.limiters.set(name, l);
    }
    return l;
  }

  async check(bucket: Bucket, req: Request, key?: string): Promise<void> {
    const limits = LIMITS[bucket];
    try {
      await this.limiter(`${bucket}:ip`, limits.perIp).consume(req.socket.remoteAddress ?? 'unknown');
      if (key && limits.perKey > 0) await this.limiter(`${bucket}:key`, limits.perKey).consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new TooManyRequestsError(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
      throw err;
    }
  }
}
