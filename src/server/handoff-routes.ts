import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { handoffIdParam, handoffListQuery, handoffMessageBody, handoffMessagesQuery, handoffReleaseBody } from '../api/handoffs.js';
import { periodQuery } from '../api/requests.js';
import { HandoffConflictError, type HandoffDesk, type PickupTimes } from '../live/handoffs.js';
import type { Actor } from '../tickets/actor.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { guarded, HttpProblem } from '../http/http-errors.js';

/** Who works the live queue. */
const DESK_ROLES: readonly Actor['role'][] = ['agent', 'dispatcher', 'admin'];

/** The median, 90th percentile and maximum of a list of seconds (nearest rank), or nulls when empty. */
export function pickupStats(seconds: number[]): { median: number | null; p90: number | null; max: number | null } {
  if (seconds.length === 0) return { median: null, p90: null, max: null };
  const sorted = [...seconds].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { median: round(rank(0.5)), p90: round(rank(0.9)), max: round(sorted.at(-1)!) };
}

/**
 * The live-agent API: the queue of handed-over conversations (paged, newest first), a
 * handoff with what the bot knew, claiming, the messages of both sides after a cursor,
 * writing and typing into the conversation, releasing it to the bot or closing it, and
 * the pickup-time report. Roles agent, dispatcher, admin; a claimed handoff belongs to
 * its holder (an admin may take it over).
 */
export function registerHandoffRoutes(
  server: Server,
  deps: { desk: HandoffDesk; auth: ApiKeyAuth; pickupTargetSeconds: number; log: Logger },
) {
  const { auth, log } = deps;
  const route = (handler: (req: Request, res: Response, desk: HandoffDesk, actor: Actor) => Promise<void>, roles = DESK_ROLES) =>
    guarded(log, async (req, res) => {
      // Rate limits ran before routing (rate-limit.ts).
      const actor = auth.actor(req, roles);
      try {
        await handler(req, res, deps.desk, actor);
      } catch (err) {
        if (err instanceof HandoffConflictError) throw new HttpProblem(409, err.code, err.message);
        throw err;
      }
    });
  const idOf = (req: Request) => handoffIdParam.parse(req.params ?? {}).id;

  server.get(
    '/api/handoffs',
    route(async (req, res, desk) => {
      const q = handoffListQuery.parse(req.query ?? {});
      const page = await desk.list(q);
      res.send(200, { ...page, limit: q.limit, offset: q.offset });
    }),
  );

  server.get(
    '/api/handoffs/:id',
    route(async (req, res, desk) => {
      res.send(200, await desk.get(idOf(req)));
    }),
  );

  server.post(
    { path: '/api/handoffs/:id/claim', body: 'none' },
    route(async (req, res, desk, actor) => {
      res.send(200, await desk.claim(idOf(req), actor));
    }),
  );

  server.get(
    '/api/handoffs/:id/messages',
    route(async (req, res, desk) => {
      const { after } = handoffMessagesQuery.parse(req.query ?? {});
      res.send(200, await desk.messages(idOf(req), Number(after)));
    }),
  );

  server.post(
    '/api/handoffs/:id/messages',
    route(async (req, res, desk, actor) => {
      const id = idOf(req);
      const { text } = handoffMessageBody.parse(req.body ?? {});
      res.send(201, await desk.post(id, actor, text));
    }),
  );

  server.post(
    { path: '/api/handoffs/:id/typing', body: 'none' },
    route(async (req, res, desk, actor) => {
      await desk.agentTyping(idOf(req), actor);
      res.send(204);
    }),
  );

  server.post(
    '/api/handoffs/:id/release',
    route(async (req, res, desk, actor) => {
      const id = idOf(req);
      const { to } = handoffReleaseBody.parse(req.body ?? {});
      res.send(200, await desk.release(id, actor, to));
    }),
  );

  server.get(
    '/api/reports/handoffs',
    route(
      async (req, res, desk) => {
        const { from: f, to: t } = periodQuery.parse(req.query ?? {});
        const to = t ? new Date(t) : new Date();
        const from = f ? new Date(f) : new Date(to.getTime() - 30 * 86_400_000);
        const times = await desk.pickupTimes(from.toISOString(), to.toISOString());
        const target = deps.pickupTargetSeconds;
        const figures = (t: PickupTimes) => {
          const withinTarget = t.pickups.filter((s) => s <= target).length;
          return {
            handoffs: t.handoffs,
            claimed: t.pickups.length,
            withinTarget,
            withinTargetShare: t.pickups.length ? Math.round((withinTarget / t.pickups.length) * 1000) / 1000 : null,
            unclaimedNotices: t.unclaimedNotices,
            pickupSeconds: pickupStats(t.pickups),
          };
        };
        res.send(200, {
          from: from.toISOString(),
          to: to.toISOString(),
          targetSeconds: target,
          ...figures(times),
          months: times.months.map((m) => ({ month: m.month, ...figures(m) })),
        });
      },
      ['dispatcher', 'admin', 'agent'],
    ),
  );
}
