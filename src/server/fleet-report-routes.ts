import type { Logger } from 'pino';
import type { Server } from 'restify';
import type { MaintenanceService } from '../maintenance/service.js';
import { gapTrend, selfServiceTrend } from '../reports/trends.js';
import type { Database } from '../storage/database.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { guarded } from '../http/http-errors.js';
import type { RateLimits } from '../http/rate-limit.js';
import { periodQuery } from '../api/requests.js';

/** Trends for the reports page default to the last twelve months (the SLA and workload reports keep 30 days). */
export function yearPeriod(q: unknown): { from: string; to: string } {
  const { from, to } = periodQuery.parse(q ?? {});
  const end = to ? new Date(to) : new Date();
  const start = from ? new Date(from) : new Date(Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth() + 1, 1));
  return { from: start.toISOString(), to: end.toISOString() };
}

/** Self-service and abstention, knowledge gaps, and inspection compliance over time (dispatcher, admin). */
export function registerFleetReportRoutes(
  server: Server,
  deps: {
    db: Database;
    maintenance: MaintenanceService;
    auth: ApiKeyAuth;
    limits: RateLimits;
    log: Logger;
  },
): void {
  const report = (
    path: string,
    build: (p: { from: string; to: string }, db: Database, m: MaintenanceService) => Promise<Record<string, unknown>>,
  ) =>
    server.get(
      path,
      guarded(deps.log, async (req, res) => {
        deps.auth.actor(req, ['dispatcher', 'admin']); // (rate limits counted this request before routing)
        const p = yearPeriod(req.query);
        res.send(200, { ...p, ...(await build(p, deps.db, deps.maintenance)) });
      }),
    );
  report('/api/reports/self-service', async (p, db) => ({ months: await selfServiceTrend(db, p.from, p.to) }));
  report('/api/reports/knowledge-gaps', async (p, db) => ({ months: await gapTrend(db, p.from, p.to) }));
  report('/api/reports/inspections', async (p, _db, m) => ({
    productLines: await m.compliance({ from: p.from.slice(0, 10), to: p.to.slice(0, 10) }),
  }));
}
