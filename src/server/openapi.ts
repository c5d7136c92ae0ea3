import { zodToJsonSchema } from 'zod-to-json-schema';
import type { ZodTypeAny } from 'zod';
import { assignSchema, closeOutSchema, createTicketSchema, statusChangeSchema } from '../tickets/model.js';

const schema = (s: ZodTypeAny) => zodToJsonSchema(s, { target: 'openApi3', $refStrategy: 'none' });

const errors = {
  '400': { description: 'Invalid body or query: `issues` names each field and what is wrong; every error body has `code` and `error`' },
  '401': { description: 'No or unknown API key' },
  '403': { description: 'The key’s role may not do this (technicians: only their own tickets)' },
  '503': { description: 'The store is unavailable; retry after the Retry-After seconds' },
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'ticket id or number (FT-2026-000001)' };
const json = (s: ZodTypeAny) => ({ required: true, content: { 'application/json': { schema: schema(s) } } });
const ticket = { description: 'The ticket, with `slaStatus` (each clock: met, met-late, on-track, at-risk, breached)' };

/** OpenAPI 3 description of the ticket API, generated from the same zod schemas that validate it. */
export function openApiDocument() {
  return {
    openapi: '3.0.3',
    info: { title: 'Fault triage assistant: dispatch tickets', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/api/tickets': {
        post: {
          summary: 'Open a ticket (agent, dispatcher, admin). Same Idempotency-Key → same ticket.',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', minLength: 8, maxLength: 200 } }],
          requestBody: json(createTicketSchema),
          responses: { '201': ticket, '200': { description: 'Replay: the ticket created earlier with this key' }, '422': { description: 'Key reused for a different request' }, ...errors },
        },
        get: {
          summary: 'List tickets (technicians see only their own)',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string' }, description: 'comma list of statuses, or "open"' },
            { name: 'productLine', in: 'query', schema: { type: 'string' } },
            { name: 'technician', in: 'query', schema: { type: 'string' } },
            { name: 'overdue', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } },
            { name: 'sort', in: 'query', schema: { type: 'string', enum: ['created', 'due'] }, description: 'due = most urgent unmet deadline first' },
            { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } },
            { name: 'offset', in: 'query', schema: { type: 'integer' } },
          ],
          responses: { '200': { description: '{tickets: [...]}' }, ...errors },
        },
      },
      '/api/tickets/{id}': { get: { summary: 'One ticket', parameters: [idParam], responses: { '200': ticket, '404': { description: 'No such ticket' }, ...errors } } },
      '/api/tickets/{id}/status': {
        post: { summary: 'Change status (lifecycle enforced)', parameters: [idParam], requestBody: json(statusChangeSchema), responses: { '200': ticket, '409': { description: 'Illegal transition or version conflict' }, ...errors } },
      },
      '/api/tickets/{id}/assign': {
        post: { summary: 'Assign a technician (dispatcher, admin)', parameters: [idParam], requestBody: json(assignSchema), responses: { '200': ticket, '409': { description: 'Illegal transition' }, ...errors } },
      },
      '/api/tickets/{id}/close-out': {
        post: { summary: 'Technician close-out: resolves the ticket', parameters: [idParam], requestBody: json(closeOutSchema), responses: { '200': ticket, '409': { description: 'Not on site' }, ...errors } },
      },
      '/api/me': { get: { summary: 'The role (and technician id) of the calling key', responses: { '200': { description: '{role, technicianId}' }, ...errors } } },
      '/api/faults': { get: { summary: 'Fault manual summaries (any role)', responses: { '200': { description: '{faults: [...]}' }, ...errors } } },
      '/api/faults/{id}': { get: { summary: 'One fault entry with its causes, steps and parts', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the entry' }, '404': { description: 'not in the manual' }, ...errors } } },
      '/api/suggest': {
        post: { summary: 'Ranked fault suggestions for a description {text, productLine?, limit?} (any staff key; rate-limited)', responses: { '200': { description: '{abstain, reason? (no-match, low-confidence, other-machine, intent), intent? {id, route}, confidence, language, detectedProductLine?, plausibleLines?, results}' }, '429': { description: 'Rate limited; see Retry-After' }, ...errors } },
      },
      '/api/outcomes': {
        post: { summary: 'Record a fault resolved on the phone {text, productLine?, faultId?, stepsTried} (agent, dispatcher, admin)', responses: { '201': { description: '{id, outcome}' }, ...errors } },
      },
      '/api/handoffs': { get: { summary: 'Open handoff requests from the bot, with transcripts (agent, dispatcher, admin)', responses: { '200': { description: '{handoffs}' }, ...errors } } },
      '/api/knowledge-gaps': {
        post: { summary: 'Report words the engine found no confident match for (agent, dispatcher, admin)', responses: { '201': { description: '{id, status}' }, ...errors } },
      },
      '/api/reports/workload': { get: { summary: 'Workload coefficients per technician (from/to ISO, default 30 days)', responses: { '200': { description: 'per technician' }, ...errors } } },
      '/api/reports/sla': { get: { summary: 'SLA compliance per product line and clock', responses: { '200': { description: 'per line' }, ...errors } } },
      '/api/reports/faults': { get: { summary: 'Tickets per fault id: matched at creation and actual at close-out', responses: { '200': { description: 'per fault' }, ...errors } } },
    },
  };
}
