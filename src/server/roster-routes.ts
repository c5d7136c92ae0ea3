import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { technicianSchemas, type Technician } from '../roster/model.js';
import type { RosterStore } from '../roster/store.js';
import { rankTechnicians } from '../roster/suggest.js';
import type { Actor } from '../tickets/actor.js';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../errors/domain-errors.js';
import type { TicketService } from '../tickets/service.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { guarded } from '../http/http-errors.js';
import type { ProductLines } from '../knowledge/product-lines.js';
import type { RateLimits } from '../http/rate-limit.js';

export const rosterQuery = z.object({ active: z.enum(['true', 'false']).optional() }).strict();

/**
 * A technician key names a roster id (`secret:technician:T-07`); it works only while that
 * technician is on the roster and active, so a technician who leaves is locked out by
 * deactivating them, without touching the keys.
 */
export async function assertOnRoster(actor: Actor, roster: Pick<RosterStore, 'get'>): Promise<void> {
  if (actor.role !== 'technician') return;
  const t = actor.technicianId ? await roster.get(actor.technicianId) : undefined;
  if (!t || !t.active)
    throw new ForbiddenError(`technician ${actor.technicianId ?? '?'} is not on the active roster; ask an admin to add or reactivate them`);
}

/** The roster: dispatch reads it, admins keep it; assignment suggestions per ticket. */
export function registerRosterRoutes(
  server: Server,
  deps: {
    roster: RosterStore;
    tickets: TicketService;
    lines: ProductLines;
    auth: ApiKeyAuth;
    limits: RateLimits;
    log: Logger;
  },
) {
  const { auth, log } = deps;
  // Skills are product lines of the loaded manual.
  const { technicianInput, technicianReplace, technicianPatch } = technicianSchemas(deps.lines.schema);
  const route = (
    allowed: readonly Actor['role'][],
    handler: (req: Request, res: Response, roster: RosterStore, actor: Actor) => Promise<void>,
  ) =>
    guarded(log, async (req, res) => {
      const actor = auth.actor(req, allowed);
      await deps.limits.check('api', req, actor.label);
      await handler(req, res, deps.roster, actor);
    });
  const idOf = (req: Request) => String(req.params.id);
  const found = async (roster: RosterStore, id: string): Promise<Technician> => {
    const t = await roster.get(id);
    if (!t) throw new NotFoundError(`no technician ${id} on the roster`);
    return t;
  };

  server.get(
    '/api/technicians',
    route(['agent', 'dispatcher', 'admin'], async (req, res, roster) => {
      const q = rosterQuery.parse(req.query ?? {});
      const [technicians, jobs] = await Promise.all([
        roster.list({ active: q.active === undefined ? undefined : q.active === 'true' }),
        roster.openJobs(),
      ]);
      res.send(200, { technicians: technicians.map((t) => ({ ...t, openJobs: jobs.get(t.id) ?? 0 })) });
    }),
  );

  server.get(
    '/api/technicians/:id',
    route(['agent', 'dispatcher', 'admin', 'technician'], async (req, res, roster, actor) => {
      const id = idOf(req);
      if (actor.role === 'technician' && actor.technicianId !== id)
        throw new ForbiddenError('technicians may read only their own roster entry');
      res.send(200, await found(roster, id));
    }),
  );

  server.post(
    '/api/technicians',
    route(['admin'], async (req, res, roster) => {
      const t = await roster.create(technicianInput.parse(req.body ?? {}));
      log.info({ technician: t.id, skills: t.skills, active: t.active }, 'technician added');
      res.header('Location', `/api/technicians/${t.id}`);
      res.send(201, t);
    }),
  );

  server.put(
    '/api/technicians/:id',
    route(['admin'], async (req, res, roster) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (body.id !== undefined && body.id !== idOf(req))
        throw new InvalidRequestError('id', `the body names ${String(body.id).slice(0, 40)} but the URL ${idOf(req)}; ids do not change`);
      const { id: _same, ...rest } = body;
      const { expectedVersion, ...fields } = technicianReplace.parse(rest);
      res.send(200, await roster.update(idOf(req), () => ({ id: idOf(req), ...fields }), expectedVersion));
    }),
  );

  server.patch(
    '/api/technicians/:id',
    route(['admin'], async (req, res, roster) => {
      const { expectedVersion, ...change } = technicianPatch.parse(req.body ?? {});
      res.send(200, await roster.update(idOf(req), (t) => ({ ...t, ...change }), expectedVersion));
    }),
  );

  server.get(
    '/api/tickets/:id/technician-suggestions',
    route(['dispatcher', 'admin'], async (req, res, roster, actor) => {
      const ticket = await deps.tickets.get(idOf(req), actor);
      const [technicians, jobs] = await Promise.all([roster.list({ active: true }), roster.openJobs()]);
      res.send(200, { ticketId: ticket.id, suggestions: rankTechnicians(ticket, technicians, jobs) });
    }),
  );
}
