import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { storableText } from '../storage/storable-text.js';
import type { Actor } from '../tickets/actor.js';
import { OPEN_STATUSES } from '../tickets/lifecycle.js';
import { assignSchema, closeOutSchema, createTicketSchema, machineDownSchema, statusChangeSchema, type Ticket } from '../tickets/model.js';
import { slaCompliance } from '../tickets/reports.js';
import { allowedActions, type TicketService } from '../tickets/service.js';
import { clockStates } from '../tickets/sla.js';
import { randomUUID } from 'node:crypto';
import type { OutcomeStore } from '../records/triage-records.js';
import type { GapStore } from '../feedback/gap-store.js';
import { detectLanguage } from '../language/detect.js';
import type { ApiKeyAuth } from '../http/auth.js';
import type { RosterStore } from '../roster/store.js';
import { assertOnRoster } from './roster-routes.js';
import { guarded } from '../http/http-errors.js';
import { gapReport, idempotencyKey, listQuery, periodQuery, phoneOutcome } from '../api/requests.js';
import type { ProductLines } from '../knowledge/product-lines.js';
import type { TicketView } from '../api/responses.js';

/** A ticket's id or number from the path: any text (an unknown one is a 404) but one the stores can compare. */
const ticketIdParam = z.object({ id: storableText().max(200) });
const ticketId = (req: Request) => ticketIdParam.parse(req.params ?? {}).id;

/** A ticket as the API shows it: the stored document, the live state of its SLA clocks, and what the caller may do next. */
export function ticketView(t: Ticket, actor: Actor, now = new Date()): TicketView {
  return { ...t, slaStatus: clockStates(t, now), allowed: allowedActions(t, actor) };
}

/** The period of a report: default the last 30 days. */
function period(q: unknown): { from: string; to: string } {
  const { from, to } = periodQuery.parse(q ?? {});
  const end = to ? new Date(to) : new Date();
  const start = from ? new Date(from) : new Date(end.getTime() - 30 * 86_400_000);
  return { from: start.toISOString(), to: end.toISOString() };
}

export function registerTicketRoutes(
  server: Server,
  deps: {
    tickets: TicketService;
    gaps: GapStore;
    outcomes: OutcomeStore;
    roster: RosterStore;
    lines: ProductLines;
    auth: ApiKeyAuth;
    log: Logger;
  },
) {
  const { auth, log, lines } = deps;
  const route = (
    allowed: readonly Actor['role'][] | undefined,
    handler: (req: Request, res: Response, service: TicketService, actor: Actor) => Promise<void>,
  ) =>
    guarded(log, async (req, res) => {
      const actor = auth.actor(req, allowed);
      await assertOnRoster(actor, deps.roster);
      await handler(req, res, deps.tickets, actor);
    });

  server.post(
    '/api/tickets',
    route(['agent', 'dispatcher', 'admin'], async (req, res, service, actor) => {
      const input = createTicketSchema.parse(req.body ?? {});
      const key = idempotencyKey.parse(req.header('idempotency-key') || undefined);
      const { ticket, created } = await service.create(input, actor, key);
      log.info(
        {
          ticket: ticket.number,
          productLine: ticket.equipment.productLine,
          fault: ticket.faults[0]?.id,
          actor: actor.label,
          replay: !created,
        },
        'ticket created',
      );
      res.header('Location', `/api/tickets/${ticket.id}`);
      res.send(created ? 201 : 200, ticketView(ticket, actor));
    }),
  );

  server.get(
    '/api/tickets',
    route(undefined, async (req, res, service, actor) => {
      const q = listQuery.parse(req.query ?? {});
      const status = q.status?.flatMap((s) => (s === 'open' ? OPEN_STATUSES : [s]));
      const tickets = await service.list(
        {
          status,
          productLine: lines.parseOptional(q.productLine),
          technicianId: q.technician,
          overdueAt: q.overdue === 'true' ? new Date().toISOString() : undefined,
          machineDown: q.down === undefined ? undefined : q.down === 'true',
          search: q.q || undefined,
          sort: q.sort,
          limit: q.limit,
          offset: q.offset,
        },
        actor,
      );
      const now = new Date();
      res.send(200, { serverTime: now.toISOString(), tickets: tickets.map((t) => ticketView(t, actor, now)) });
    }),
  );

  /** Who a key belongs to, so pages offer only what the role may do. */
  server.get(
    '/api/me',
    route(undefined, async (_req, res, _service, actor) => {
      res.send(200, { role: actor.role, technicianId: actor.technicianId ?? null, label: actor.label });
    }),
  );

  server.get(
    '/api/tickets/:id',
    route(undefined, async (req, res, service, actor) => {
      res.send(200, ticketView(await service.get(ticketId(req), actor), actor));
    }),
  );

  server.post(
    '/api/tickets/:id/status',
    route(undefined, async (req, res, service, actor) => {
      const body = statusChangeSchema.parse(req.body ?? {});
      const t = await service.changeStatus(ticketId(req), body.status, actor, body.note, body.expectedVersion);
      log.info({ ticket: t.number, status: t.status, actor: actor.label }, 'ticket status changed');
      res.send(200, ticketView(t, actor));
    }),
  );

  server.post(
    '/api/tickets/:id/assign',
    route(['dispatcher', 'admin'], async (req, res, service, actor) => {
      const body = assignSchema.parse(req.body ?? {});
      res.send(200, ticketView(await service.assign(ticketId(req), body.technicianId, actor, body.note, body.expectedVersion), actor));
    }),
  );

  server.post(
    '/api/tickets/:id/machine-down',
    route(['dispatcher', 'admin', 'technician'], async (req, res, service, actor) => {
      const body = machineDownSchema.parse(req.body ?? {});
      const t = await service.setMachineDown(String(req.params.id), body.machineDown, actor, body.note, body.expectedVersion);
      log.info({ ticket: t.number, machineDown: t.machineDown, actor: actor.label }, 'machine state changed');
      res.send(200, ticketView(t, actor));
    }),
  );

  server.post(
    '/api/tickets/:id/close-out',
    route(['technician', 'admin'], async (req, res, service, actor) => {
      const body = closeOutSchema.parse(req.body ?? {});
      res.send(200, ticketView(await service.closeOut(ticketId(req), body, actor), actor));
    }),
  );

  // Words the engine found no confident match for (the bot records its own directly).
  server.post(
    '/api/knowledge-gaps',
    route(['agent', 'dispatcher', 'admin'], async (req, res) => {
      const body = gapReport.parse(req.body ?? {});
      const item = await deps.gaps.record({
        source: 'abstained',
        text: body.text,
        language: detectLanguage(body.text),
        productLine: lines.parseOptional(body.productLine) ?? null,
        matchedFaultId: body.matchedFaultId ?? null,
        actualFaultId: null,
        ticketId: null,
      });
      res.send(201, { id: item.id, status: item.status });
    }),
  );

  // "Resolved on the phone": the call-center panel's counterpart of the bot's resolved outcome.
  server.post(
    '/api/outcomes',
    route(['agent', 'dispatcher', 'admin'], async (req, res) => {
      const body = phoneOutcome.parse(req.body ?? {});
      const id = `panel:${body.reference ?? randomUUID()}`;
      await deps.outcomes.record({
        conversationId: id,
        productLine: lines.parseOptional(body.productLine),
        faultId: body.faultId,
        outcome: 'resolved-by-phone',
        steps: body.stepsTried,
      });
      res.send(201, { id, outcome: 'resolved-by-phone' });
    }),
  );

  server.get(
    '/api/reports/workload',
    route(['dispatcher', 'admin'], async (req, res, service) => {
      const p = period(req.query);
      res.send(200, { ...p, technicians: await service.store.workload(p.from, p.to) });
    }),
  );

  server.get(
    '/api/reports/sla',
    route(['dispatcher', 'admin'], async (req, res, service) => {
      const p = period(req.query);
      res.send(200, { ...p, productLines: slaCompliance(await service.store.createdBetween(p.from, p.to, 'fault')) });
    }),
  );

  server.get(
    '/api/reports/faults',
    route(['dispatcher', 'admin'], async (req, res, service) => {
      const p = period(req.query);
      res.send(200, { ...p, faults: await service.store.countsByFault(p.from, p.to) });
    }),
  );
}
