import type { Logger } from 'pino';
import type { Server } from 'restify';
import { plannedGrade, workloadCoefficient } from '../knowledge/grades.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import { isOperatorStep } from '../knowledge/operator-steps.js';
import { stopWorkForFault } from '../knowledge/safety.js';
import { NotFoundError } from '../errors/domain-errors.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { guarded } from '../http/http-errors.js';
import { partsQuery } from '../api/requests.js';

/** The manual as staff pages read it: a summary list and whole entries with their parts named. */
export function registerKnowledgeRoutes(server: Server, deps: { kb: KnowledgeBase; auth: ApiKeyAuth; log: Logger }) {
  const { kb, auth, log } = deps;
  const productLines = kb.productLines.summaries();
  const summaries = kb.faults.map((f) => ({
    id: f.id,
    productLine: f.product_line,
    category: f.category,
    title: f.title,
    selfService: f.self_service,
  }));

  server.get(
    '/api/faults',
    guarded(log, async (req, res) => {
      auth.actor(req);
      res.send(200, { productLines, faults: summaries });
    }),
  );

  // The part catalogue of a line, for the technician's close-out (parts used).
  server.get(
    '/api/parts',
    guarded(log, async (req, res) => {
      auth.actor(req);
      const productLine = kb.productLines.parseOptional(partsQuery.parse(req.query ?? {}).productLine);
      const parts = [...kb.parts.values()].filter((p) => !productLine || p.code.startsWith(`${productLine}-`));
      res.send(200, { parts });
    }),
  );

  server.get(
    '/api/faults/:id',
    guarded(log, async (req, res) => {
      auth.actor(req);
      const fault = kb.faultsById.get(String(req.params.id));
      if (!fault) throw new NotFoundError(`no fault ${String(req.params.id)} in the manual`);
      const parts = [...new Set(fault.causes.flatMap((c) => c.parts))].map((code) => kb.parts.get(code)!);
      const grade = plannedGrade(fault);
      // Each step says whether it may be read to the caller, so pages never re-derive the safety rule.
      const causes = fault.causes.map((c) => ({
        ...c,
        checks: c.checks.map((s) => ({ ...s, readToCaller: isOperatorStep(fault, s, 'check') })),
        fixes: c.fixes.map((s) => ({ ...s, readToCaller: isOperatorStep(fault, s, 'fix') })),
      }));
      // What to tell the operator to do at once, per the entry's product line (empty when the entry's safety notes replace it).
      const stopWork = { en: stopWorkForFault(kb, fault, 'en'), zh: stopWorkForFault(kb, fault, 'zh') };
      res.send(200, { ...fault, causes, parts, stopWork, plannedGrade: grade, workloadCoefficient: workloadCoefficient(kb, grade) });
    }),
  );
}
