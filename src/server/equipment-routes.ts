import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { CsvBodyError, readCsv } from '../equipment/csv.js';
import { validateFleetFile } from '../equipment/import.js';
import { addDays, billingFor, calendarDay, inWarranty, serialSchema, today } from '../equipment/model.js';
import type { EquipmentStore } from '../equipment/store.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import { productLineCode } from '../knowledge/schema.js';
import type { MaintenanceService } from '../maintenance/service.js';
import { inspectionResultSchema } from '../maintenance/work-order.js';
import type { Actor } from '../tickets/actor.js';
import { NotFoundError } from '../errors/domain-errors.js';
import type { TicketService } from '../tickets/service.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { guarded, HttpProblem } from '../http/http-errors.js';
import type { RateLimits } from '../http/rate-limit.js';
import { ticketView } from './ticket-routes.js';

/** A fleet file of a few thousand machines is well under this; anything larger is split. */
export const CSV_MAX_BYTES = 2 * 1024 * 1024;
export const CSV_MAX_MACHINES = 20_000;

const STAFF: readonly Actor['role'][] = ['agent', 'dispatcher', 'technician', 'admin'];
const IMPORTERS: readonly Actor['role'][] = ['dispatcher', 'admin'];

const listQuery = z
  .object({
    q: z.string().trim().min(1).max(100).optional(),
    productLine: productLineCode.optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();

const rangeQuery = z
  .object({
    from: calendarDay.optional(),
    to: calendarDay.optional(),
    productLine: productLineCode.optional(),
    status: z.enum(['planned', 'due', 'overdue', 'missed', 'ordered', 'done', 'cancelled']).optional(),
  })
  .strict();

export const workOrderBody = z.object({ serial: serialSchema, dueOn: calendarDay }).strict();

export interface FleetDeps {
  kb: KnowledgeBase;
  equipment: EquipmentStore;
  maintenance: MaintenanceService;
  tickets: TicketService;
  auth: ApiKeyAuth;
  limits: RateLimits;
  log: Logger;
}

/** The installed base (/api/equipment) and the maintenance service (/api/inspections). */
export function registerEquipmentRoutes(server: Server, deps: FleetDeps): void {
  const { auth, log } = deps;
  const route = (
    roles: readonly Actor['role'][],
    handler: (
      req: Request,
      res: Response,
      s: { equipment: EquipmentStore; maintenance: MaintenanceService; tickets: TicketService },
      actor: Actor,
    ) => Promise<void>,
  ) =>
    guarded(log, async (req, res) => {
      const actor = auth.actor(req, roles);
      // (Rate limits have counted this request already, before authentication: see rate-limit.ts.)
      await handler(req, res, { equipment: deps.equipment, maintenance: deps.maintenance, tickets: deps.tickets }, actor);
    });

  // The only route that reads CSV: the global JSON body reader leaves this body alone.
  server.post(
    { path: '/api/equipment/import', body: 'stream' },
    route(IMPORTERS, async (req, res, s, actor) => {
      try {
        const type = String(req.headers['content-type'] ?? '')
          .split(';')[0]!
          .trim()
          .toLowerCase();
        if (type !== 'text/csv') throw new CsvBodyError(415, 'unsupported_media_type', 'send the fleet file as Content-Type: text/csv');
        const charset = /;\s*charset=("?)([^";]+)\1/i.exec(String(req.headers['content-type']))?.[2]?.toLowerCase();
        if (charset && charset !== 'utf-8' && charset !== 'utf8')
          throw new CsvBodyError(415, 'unsupported_media_type', 'the CSV must be UTF-8');
        const encoding = String(req.headers['content-encoding'] ?? 'identity')
          .trim()
          .toLowerCase();
        if (encoding !== 'identity') throw new CsvBodyError(415, 'unsupported_encoding', 'send the file uncompressed');
        if (Number(req.headers['content-length'] ?? 0) > CSV_MAX_BYTES) {
          throw new CsvBodyError(
            413,
            'payload_too_large',
            `the CSV file is limited to ${CSV_MAX_BYTES} bytes; split it into several imports`,
          );
        }
        const csv = await readCsv(req, { maxBytes: CSV_MAX_BYTES, maxRecords: CSV_MAX_MACHINES + 1 });
        const { machines, problems } = validateFleetFile(csv, deps.kb, today());
        if (problems.length) {
          res.send(400, {
            code: 'invalid_csv',
            error: `the file has ${problems.length} problem(s); nothing was imported`,
            issues: problems.map((p) => ({ field: `line ${p.line}: ${p.field}`, message: p.error })),
            imported: 0,
            updated: 0,
            problems,
          });
          return;
        }
        const result = await s.equipment.upsertAll(machines, new Date().toISOString());
        s.maintenance.invalidate();
        log.info({ actor: actor.label, ...result }, 'fleet imported');
        res.send(200, { ...result, problems: [] });
      } catch (err) {
        if (!(err instanceof CsvBodyError)) throw err;
        req.resume(); // whatever else the client sends is dropped, not kept
        throw new HttpProblem(err.status, err.code, err.message, { Connection: 'close' });
      }
    }),
  );

  server.get(
    '/api/equipment',
    route(STAFF, async (req, res, s) => {
      const q = listQuery.parse(req.query ?? {});
      const day = today();
      const machines = await s.equipment.list({
        q: q.q,
        productLine: deps.kb.productLines.parseOptional(q.productLine),
        limit: q.limit ?? 50,
      });
      res.send(200, { machines: machines.map((m) => ({ ...publicMachine(m), inWarranty: inWarranty(m, day) })) });
    }),
  );

  server.get(
    '/api/equipment/:serial',
    route(STAFF, async (req, res, s, actor) => {
      const serial = serialSchema.parse(String(req.params.serial));
      const m = await s.equipment.get(serial);
      if (!m) throw new NotFoundError(`no machine ${serial} in the installed base`);
      const day = today();
      const history = await s.tickets.store.list({ serial: m.serial, limit: 5000 });
      const inspections = await s.maintenance.inspections({ from: m.acceptedOn, to: addDays(day, 366) }, { serial: m.serial });
      res.send(200, {
        ...publicMachine(m),
        productLineName: deps.kb.productLines.get(m.productLine)!.name,
        inWarranty: inWarranty(m, day),
        billing: billingFor(m, day),
        // Technicians see the machine's history as a list; a ticket itself stays theirs only.
        tickets: history.map((t) => ({
          id: t.id,
          number: t.number,
          kind: t.kind ?? 'fault',
          status: t.status,
          createdAt: t.createdAt,
          faults: t.faults.map((f) => f.id),
          actualFaultId: t.closeOut?.actualFaultId ?? null,
          technicianId: t.technicianId ?? null,
          billable: t.billing?.billable ?? null,
          ...(actor.role === 'technician' ? {} : { operatorWords: t.operatorWords }),
        })),
        inspections,
      });
    }),
  );

  server.get(
    '/api/inspections',
    route(STAFF, async (req, res, s) => {
      const q = rangeQuery.parse(req.query ?? {});
      const from = q.from ?? today();
      const to = q.to ?? addDays(from, 30);
      const list = await s.maintenance.inspections({ from, to }, { productLine: deps.kb.productLines.parseOptional(q.productLine) });
      res.send(200, { from, to, inspections: q.status ? list.filter((i) => i.status === q.status) : list });
    }),
  );

  server.get(
    '/api/inspections/schedule',
    route(STAFF, async (_req, res, s) => {
      res.send(200, { today: today(), settings: s.maintenance.knowledge.settings.schedule, proposals: await s.maintenance.proposals() });
    }),
  );

  server.get(
    '/api/inspections/reminders',
    route(IMPORTERS, async (_req, res, s) => {
      res.send(200, { today: today(), reminders: await s.maintenance.dueReminders() });
    }),
  );

  server.post(
    '/api/inspections/work-orders',
    route(IMPORTERS, async (req, res, s, actor) => {
      const body = workOrderBody.parse(req.body ?? {});
      const { ticket, created } = await s.maintenance.openWorkOrder(body.serial, body.dueOn, actor);
      log.info({ ticket: ticket.number, actor: actor.label, replay: !created }, 'inspection work order');
      res.header('Location', `/api/tickets/${ticket.id}`);
      res.send(created ? 201 : 200, ticketView(ticket, actor));
    }),
  );

  server.post(
    '/api/inspections/:id/result',
    route(['technician', 'admin'], async (req, res, s, actor) => {
      const body = inspectionResultSchema.parse(req.body ?? {});
      const ticket = await s.maintenance.recordResult(String(req.params.id), body, actor);
      log.info(
        { ticket: ticket.number, failed: ticket.inspection?.result?.items.filter((i) => i.result === 'fail').length, actor: actor.label },
        'inspection recorded',
      );
      res.send(200, ticketView(ticket, actor));
    }),
  );
}

function publicMachine(m: Awaited<ReturnType<EquipmentStore['get']>> & object) {
  const { customerId: _id, createdAt: _c, ...rest } = m;
  return rest;
}
