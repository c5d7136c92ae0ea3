import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV3, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z, type ZodTypeAny } from 'zod';
import { gapReport, idempotencyKey, listQuery, partsQuery, periodQuery, phoneOutcome, suggestBody } from '../api/requests.js';
import * as api from '../api/responses.js';
import { assignSchema, closeOutSchema, createTicketSchema, machineDownSchema, statusChangeSchema } from '../tickets/model.js';
import { technicianInput, technicianPatch, technicianReplace } from '../roster/model.js';
import { rosterQuery } from './roster-routes.js';
import { mediaUploadQuery } from './media-routes.js';
import { workOrderBody } from './equipment-routes.js';
import { inspectionResultSchema } from '../maintenance/work-order-schema.js';
import * as live from '../api/handoffs.js';
import { PRODUCT_LINE_CODE, productLineCode } from '../knowledge/schema.js';

// Adds .openapi() to zod's types (for component names and parameter metadata); only this module uses it.
extendZodWithOpenApi(z);

type Responses = RouteConfig['responses'];

// Named components (referenced by $ref) for the shapes that recur.
const errorBody = api.errorBody.openapi('Error');
const ticket = api.ticketView.openapi('Ticket');
const suggestion = api.suggestResponse.openapi('SuggestResponse');
const fault = api.faultEntry.openapi('FaultEntry');
type Status = 200 | 201 | 202 | 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

const json = (schema: ZodTypeAny, description: string) => ({ description, content: { 'application/json': { schema } } });

const ERROR_TEXT: Record<Exclude<Status, 200 | 201 | 202>, string> = {
  400: 'Invalid body, query or JSON: `issues` names each field and what is wrong',
  401: 'No or unknown API key (or Direct Line token)',
  403: 'The key’s role may not do this (technicians: only their own tickets)',
  404: 'No such resource',
  409: 'Illegal transition or version conflict (`code` says which)',
  413: 'Body over the size limit',
  415: 'Unsupported content type or encoding (compressed or multipart bodies are refused)',
  422: 'Idempotency-Key reused for a different request',
  429: 'Rate limited; retry after the Retry-After seconds',
  500: 'A bug: logged with `errorId`',
  503: 'Not ready yet (`not_ready`: the store, index or bot are still starting), the store unavailable (`store_unavailable`) or the encoder busy (`busy`); retry after the Retry-After seconds',
};

/** Every route can answer these: bad input, too large, wrong type, a bug, not ready yet. */
const ALWAYS = [400, 413, 415, 500, 503] as const;

/** The error answers of a route, all in the one envelope. */
function errors(...statuses: (keyof typeof ERROR_TEXT)[]): Responses {
  const out: Responses = {};
  for (const s of [...ALWAYS, ...statuses]) out[s] = json(errorBody, ERROR_TEXT[s]);
  return out;
}

const STAFF = [401, 403, 429] as const;
const idParam = z.object({ id: z.string().max(100).openapi({ description: 'ticket id or number (FT-2026-000001)' }) });
const bearer = [{ bearer: [] }];

/**
 * Every product-line code in the document (a field, an array item, a parameter) lists the
 * loaded manual's codes as its `enum`: the schemas only know a code's shape, the manual
 * knows which lines exist, and a client generated from the document should too.
 */
function withManualLines<T>(doc: T, codes: readonly string[]): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const schema = node as { type?: unknown; pattern?: unknown; enum?: unknown };
    if (schema.type === 'string' && schema.pattern === PRODUCT_LINE_CODE.source) schema.enum = [...codes];
    Object.values(node).forEach(visit);
  };
  visit(doc);
  return doc;
}

/**
 * The OpenAPI 3 description of every route, generated from the same zod schemas that
 * validate requests (the ticket model, the route modules) and describe responses
 * (src/api/responses.ts), with the product lines of the loaded manual. Built once at
 * start and served at /api/openapi.json.
 */
export function openApiDocument(lines: { codes: readonly string[] }) {
  return withManualLines(generate(), lines.codes);
}

function generate() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'an API key (API_KEYS) or, on /v3/directline, a Direct Line token or secret',
  });

  const route = (config: Omit<RouteConfig, 'security'> & { open?: boolean }) => {
    const { open, ...rest } = config;
    registry.registerPath({ ...rest, security: open ? [] : bearer });
  };
  const body = (schema: ZodTypeAny) => ({ body: { required: true, content: { 'application/json': { schema } } } });

  // Health and operations
  route({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process lives',
    open: true,
    responses: { 200: json(api.healthBody, 'alive') },
  });
  route({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the index is loaded and the store answers; 503 names what is not',
    open: true,
    responses: { 200: json(api.readyBody, 'ready'), ...errors(503) },
  });
  route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (free from the machine itself, an admin key from elsewhere)',
    responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } }, ...errors(401, 403) },
  });
  route({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    open: true,
    responses: { 200: json(z.object({ openapi: z.string() }).passthrough(), 'OpenAPI 3 document') },
  });

  // Suggestions and the manual
  route({
    method: 'post',
    path: '/api/suggest',
    summary: 'Ranked fault suggestions for what a caller says (any staff key; rate-limited)',
    request: body(suggestBody),
    responses: { 200: json(suggestion, 'suggestions, or an abstention with its reason'), ...errors(...STAFF) },
  });
  route({
    method: 'get',
    path: '/api/faults',
    summary: 'Product lines and fault summaries of the manual (any staff key)',
    responses: { 200: json(api.faultsResponse, 'the manual’s index'), ...errors(401, 429) },
  });
  route({
    method: 'get',
    path: '/api/faults/{id}',
    summary: 'One fault entry: causes, steps (each marked readToCaller), parts, grade, stop-work instructions',
    request: { params: z.object({ id: z.string().max(100).openapi({ description: 'fault id, e.g. PT-H01' }) }) },
    responses: { 200: json(fault, 'the entry'), ...errors(401, 404, 429) },
  });

  route({
    method: 'get',
    path: '/api/parts',
    summary: 'The part catalogue, of one product line or all (any staff key)',
    request: { query: partsQuery },
    responses: { 200: json(api.partsResponse, 'parts'), ...errors(401, 429) },
  });

  // Tickets
  route({
    method: 'post',
    path: '/api/tickets',
    summary: 'Open a dispatch ticket (agent, dispatcher, admin). The same Idempotency-Key returns the same ticket.',
    request: { headers: z.object({ 'idempotency-key': idempotencyKey }), ...body(createTicketSchema) },
    responses: {
      201: json(ticket, 'created'),
      200: json(ticket, 'replay: the ticket created earlier with this key'),
      ...errors(...STAFF, 422),
    },
  });
  route({
    method: 'get',
    path: '/api/tickets',
    summary: 'List tickets (technicians see only their own)',
    request: { query: listQuery },
    responses: { 200: json(api.ticketList, 'tickets, with the server’s clock'), ...errors(...STAFF) },
  });
  route({
    method: 'get',
    path: '/api/tickets/{id}',
    summary: 'One ticket',
    request: { params: idParam },
    responses: { 200: json(ticket, 'the ticket'), ...errors(...STAFF, 404) },
  });
  for (const [action, schema, summary] of [
    ['status', statusChangeSchema, 'Change the status (lifecycle and roles enforced; expectedVersion for optimistic concurrency)'],
    ['assign', assignSchema, 'Assign a technician (dispatcher, admin)'],
    ['close-out', closeOutSchema, 'Technician close-out: the real fault, cause, parts and work; resolves the ticket'],
    [
      'machine-down',
      machineDownSchema,
      'The machine stopped (or runs again): the open SLA clocks move to the tier’s clocks for that state (dispatcher, admin, the technician on the job)',
    ],
  ] as const) {
    route({
      method: 'post',
      path: `/api/tickets/{id}/${action}`,
      summary,
      request: { params: idParam, ...body(schema) },
      responses: { 200: json(ticket, 'the changed ticket'), ...errors(...STAFF, 404, 409) },
    });
  }
  route({
    method: 'get',
    path: '/api/tickets/{id}/technician-suggestions',
    summary: 'Active technicians ranked for this ticket: trained for the line, distance or region, open workload (dispatcher, admin)',
    request: { params: idParam },
    responses: { 200: json(api.assignmentSuggestions, 'ranked, best first'), ...errors(...STAFF, 404) },
  });

  // Photos, videos and the conversation behind a ticket
  const mediaParams = idParam.extend({ mediaId: z.string().openapi({ description: 'SHA-256 of the file (from ticket.media)' }) });
  const binary = (description: string) => ({
    description,
    content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
  });
  for (const [suffix, what] of [
    ['', 'the file as sent'],
    ['/thumbnail', 'a JPEG thumbnail (320 px)'],
  ] as const) {
    route({
      method: 'get',
      path: `/api/tickets/{id}/media/{mediaId}${suffix}`,
      summary: `A photo or video of the ticket: ${what} (every role that may see the ticket)`,
      request: { params: mediaParams },
      responses: { 200: binary(what), ...errors(...STAFF, 404) },
    });
  }
  route({
    method: 'post',
    path: '/api/tickets/{id}/media',
    summary:
      'Add a photo or video from the site: the file itself as the body (typed from its bytes: JPEG, PNG, HEIC, MP4; 20 MB); technician (own), dispatcher, admin',
    request: {
      params: idParam,
      query: mediaUploadQuery,
      body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    },
    responses: { 201: json(ticket, 'the ticket with the file in media'), ...errors(...STAFF, 404) },
  });
  route({
    method: 'get',
    path: '/api/tickets/{id}/transcript',
    summary: 'The bot conversation the ticket came from (staff; a technician for their own tickets)',
    request: { params: idParam },
    responses: { 200: json(api.transcriptResponse, 'the conversation, oldest first'), ...errors(...STAFF, 404) },
  });

  // The technician roster
  const technician = api.technicianView.openapi('Technician');
  const techParam = z.object({ id: z.string().max(32).openapi({ description: 'technician id, e.g. T-07' }) });
  route({
    method: 'get',
    path: '/api/technicians',
    summary: 'The roster with each technician’s open jobs (agent, dispatcher, admin)',
    request: { query: rosterQuery },
    responses: { 200: json(api.technicianList, 'the roster'), ...errors(...STAFF) },
  });
  route({
    method: 'get',
    path: '/api/technicians/{id}',
    summary: 'One technician (staff; a technician only themself)',
    request: { params: techParam },
    responses: { 200: json(technician, 'the entry'), ...errors(...STAFF, 404) },
  });
  route({
    method: 'post',
    path: '/api/technicians',
    summary: 'Add a technician (admin); 409 technician_exists when the id is taken',
    request: body(technicianInput),
    responses: { 201: json(technician, 'added'), ...errors(...STAFF, 409) },
  });
  route({
    method: 'put',
    path: '/api/technicians/{id}',
    summary: 'Replace a technician’s entry (admin); the id stays',
    request: { params: techParam, ...body(technicianReplace) },
    responses: { 200: json(technician, 'replaced'), ...errors(...STAFF, 404, 409) },
  });
  route({
    method: 'patch',
    path: '/api/technicians/{id}',
    summary: 'Change some fields, e.g. {"active": false} (admin)',
    request: { params: techParam, ...body(technicianPatch) },
    responses: { 200: json(technician, 'changed'), ...errors(...STAFF, 404, 409) },
  });

  route({
    method: 'get',
    path: '/api/me',
    summary: 'The role (and technician id) of the calling key',
    responses: { 200: json(api.meResponse, 'who the key belongs to'), ...errors(401, 429) },
  });
  route({
    method: 'post',
    path: '/api/knowledge-gaps',
    summary: 'Report words the engine found no confident match for (agent, dispatcher, admin)',
    request: body(gapReport),
    responses: { 201: json(api.gapCreated, 'recorded'), ...errors(...STAFF) },
  });
  route({
    method: 'post',
    path: '/api/outcomes',
    summary: 'Record a fault resolved on the phone (agent, dispatcher, admin)',
    request: body(phoneOutcome),
    responses: { 201: json(api.outcomeCreated, 'recorded'), ...errors(...STAFF) },
  });
  for (const [name, schema, summary] of [
    ['workload', api.workloadReport, 'Workload coefficients per technician'],
    ['sla', api.slaReport, 'SLA compliance per product line and clock'],
    ['faults', api.faultReport, 'Tickets per fault id: matched at creation and actual at close-out'],
  ] as const) {
    route({
      method: 'get',
      path: `/api/reports/${name}`,
      summary: `${summary} (dispatcher, admin; from/to ISO, default the last 30 days)`,
      request: { query: periodQuery },
      responses: { 200: json(schema, 'the report'), ...errors(...STAFF) },
    });
  }

  // The installed base and the maintenance service
  route({
    method: 'post',
    path: '/api/equipment/import',
    summary:
      'Import or update machines from a CSV fleet file (dispatcher, admin): columns serial,model,product_line,customer,site,accepted_on,warranty_months[,contact_phone,plan,technician]; all rows or none',
    request: {
      body: { required: true, content: { 'text/csv': { schema: z.string().openapi({ description: 'UTF-8 CSV, at most 2 MB' }) } } },
    },
    responses: {
      200: json(api.importResult, 'imported'),
      ...errors(...STAFF),
      400: json(api.importRefused, 'nothing imported: every problem with its line and field'),
    },
  });
  route({
    method: 'get',
    path: '/api/equipment',
    summary: 'Machines by serial prefix or customer name (any staff key)',
    request: { query: z.object({ q: z.string().optional(), productLine: productLineCode.optional(), limit: z.string().optional() }) },
    responses: { 200: json(api.machineList, 'machines'), ...errors(...STAFF) },
  });
  route({
    method: 'get',
    path: '/api/equipment/{serial}',
    summary: 'One machine by serial: customer, site, warranty, plan, its tickets and inspections (any staff key)',
    request: { params: z.object({ serial: z.string().openapi({ description: 'serial number (any case)' }) }) },
    responses: { 200: json(api.machineDetail, 'the machine and its history'), ...errors(...STAFF, 404) },
  });
  const dayRange = z.object({
    from: z.string().optional().openapi({ description: 'YYYY-MM-DD, default today' }),
    to: z.string().optional().openapi({ description: 'YYYY-MM-DD, default from + 30 days' }),
    productLine: productLineCode.optional(),
    status: z.enum(api.INSPECTION_STATUSES).optional(),
  });
  route({
    method: 'get',
    path: '/api/inspections',
    summary: 'Inspections due in a period, with their reasons and work orders (any staff key)',
    request: { query: dayRange },
    responses: { 200: json(api.inspectionList, 'the due list'), ...errors(...STAFF) },
  });
  route({
    method: 'get',
    path: '/api/inspections/schedule',
    summary: 'Each line’s proposed schedule per plan, from the ticket history, with evidence and reasons',
    responses: { 200: json(api.scheduleResponse, 'proposals'), ...errors(...STAFF) },
  });
  route({
    method: 'get',
    path: '/api/inspections/reminders',
    summary: 'Inspections to remind the contact of now (dispatcher, admin)',
    responses: { 200: json(api.reminderList, 'the call list'), ...errors(...STAFF) },
  });
  route({
    method: 'post',
    path: '/api/inspections/work-orders',
    summary:
      'Open the maintenance work order for a machine’s visit {serial, dueOn} (dispatcher, admin); the same visit returns the same ticket',
    request: body(workOrderBody),
    responses: {
      201: json(ticket, 'created'),
      200: json(ticket, 'the work order opened earlier for this visit'),
      ...errors(...STAFF, 404),
    },
  });
  route({
    method: 'post',
    path: '/api/inspections/{id}/result',
    summary:
      'The filled-in checklist and customer form (technician on the job, admin); failed items open linked fault tickets; resolves the work order',
    request: { params: idParam, ...body(inspectionResultSchema) },
    responses: { 200: json(ticket, 'the resolved work order'), ...errors(...STAFF, 404, 409) },
  });

  for (const [name, schema, summary] of [
    ['self-service', api.selfServiceReport, 'Triage outcomes and abstentions per month: the self-service resolution and abstention rates'],
    ['knowledge-gaps', api.gapTrendReport, 'Knowledge-gap items opened, accepted and rejected per month'],
    ['inspections', api.inspectionComplianceReport, 'Inspection compliance per product line: visits done within their window'],
  ] as const) {
    route({
      method: 'get',
      path: `/api/reports/${name}`,
      summary: `${summary} (dispatcher, admin; from/to ISO, default the last twelve months)`,
      request: { query: periodQuery },
      responses: { 200: json(schema, 'the report'), ...errors(...STAFF) },
    });
  }

  // The call center's queue and the bot
  const handoffParam = { params: z.object({ id: z.string().uuid().openapi({ description: 'handoff id' }) }) };
  const handoff = live.handoffSummary.openapi('Handoff');
  route({
    method: 'get',
    path: '/api/handoffs',
    summary: 'The queue of conversations handed over to a person, newest first, paged (agent, dispatcher, admin)',
    request: { query: live.handoffListQuery },
    responses: { 200: json(live.handoffList, 'one page of handoffs with this status'), ...errors(...STAFF) },
  });
  route({
    method: 'get',
    path: '/api/handoffs/{id}',
    summary: 'One handoff with what the bot knew: transcript, match, steps tried, tickets',
    request: handoffParam,
    responses: { 200: json(live.handoffDetail, 'the handoff'), ...errors(...STAFF, 404) },
  });
  route({
    method: 'get',
    path: '/api/handoffs/{id}/media',
    summary: 'The photos and videos the operator sent in this conversation (agent, dispatcher, admin)',
    request: handoffParam,
    responses: { 200: json(api.conversationMedia, 'oldest first'), ...errors(...STAFF, 404) },
  });
  for (const [suffix, what] of [
    ['', 'the file as sent (Range gets 206)'],
    ['/thumbnail', 'a JPEG thumbnail (320 px)'],
  ] as const) {
    route({
      method: 'get',
      path: `/api/handoffs/{id}/media/{mediaId}${suffix}`,
      summary: `A photo or video of the handed-over conversation: ${what}`,
      request: { params: handoffParam.params.extend({ mediaId: z.string().openapi({ description: 'SHA-256 of the file' }) }) },
      responses: {
        200: { description: what, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
        ...errors(...STAFF, 404),
      },
    });
  }
  route({
    method: 'post',
    path: '/api/handoffs/{id}/claim',
    summary:
      'Take the chat (409 handoff_claimed if someone else holds it; an admin may take it over); the operator is told a person joined',
    request: handoffParam,
    responses: { 200: json(handoff, 'claimed by the caller'), ...errors(...STAFF, 404, 409) },
  });
  route({
    method: 'get',
    path: '/api/handoffs/{id}/messages',
    summary: 'What the operator, the bot and the agent wrote since the handoff, after a cursor',
    request: { ...handoffParam, query: live.handoffMessagesQuery },
    responses: { 200: json(live.handoffMessages, 'messages after the cursor, and the next cursor'), ...errors(...STAFF, 404) },
  });
  route({
    method: 'post',
    path: '/api/handoffs/{id}/messages',
    summary: 'The holder writes to the operator, in the same conversation (any channel)',
    request: { ...handoffParam, ...body(live.handoffMessageBody) },
    responses: { 201: json(live.handoffMessage, 'kept and sent'), ...errors(...STAFF, 404, 409) },
  });
  route({
    method: 'post',
    path: '/api/handoffs/{id}/typing',
    summary: 'The holder is typing: the operator’s channel shows a typing indicator',
    request: handoffParam,
    responses: { 204: { description: 'passed on' }, ...errors(...STAFF, 404, 409) },
  });
  route({
    method: 'post',
    path: '/api/handoffs/{id}/release',
    summary: 'Hand the chat back to the bot, or close it (the holder or an admin); the operator is told',
    request: { ...handoffParam, ...body(live.handoffReleaseBody) },
    responses: { 200: json(handoff, 'closed'), ...errors(...STAFF, 404, 409) },
  });
  route({
    method: 'get',
    path: '/api/reports/handoffs',
    summary: 'Pickup time (handoff → claim) against its target, in a period (agent, dispatcher, admin; default the last 30 days)',
    request: { query: periodQuery },
    responses: { 200: json(live.handoffPickupReport, 'the report'), ...errors(...STAFF) },
  });
  route({
    method: 'post',
    path: '/api/messages',
    summary:
      'Bot Framework protocol: activities from Azure Bot Service channels or the Emulator (a Bot Framework JWT when MicrosoftAppId is set)',
    open: true,
    request: body(
      z
        .object({ type: z.string(), serviceUrl: z.string(), conversation: z.object({ id: z.string() }).passthrough() })
        .passthrough()
        .openapi({ description: 'a Bot Framework activity' }),
    ),
    responses: { 200: { description: 'processed (an invoke answers its body)' }, 201: { description: 'processed' }, ...errors(401) },
  });
  route({
    method: 'post',
    path: '/chat/token',
    summary: 'A Direct Line token for the /chat page (a quota per address; refused when DIRECTLINE_SECRET is set)',
    open: true,
    responses: { 200: json(api.chatToken, 'a new conversation'), ...errors(401, 429) },
  });

  // Direct Line 3.0, served locally for Web Chat
  const conversationParam = z.object({ id: z.string().openapi({ description: 'conversation id' }) });
  const dl = (path: string) => `/v3/directline${path}`;
  route({
    method: 'post',
    path: dl('/tokens/generate'),
    summary: 'A token for a new conversation (with the Direct Line secret when one is configured)',
    responses: { 200: json(api.directLineConversation, 'token'), ...errors(401, 429) },
  });
  route({
    method: 'post',
    path: dl('/tokens/refresh'),
    summary: 'Refresh a token',
    responses: { 200: json(api.directLineConversation, 'token'), ...errors(401, 429) },
  });
  route({
    method: 'post',
    path: dl('/conversations'),
    summary:
      'Start a conversation (or resume the token’s); streamUrl opens a WebSocket that pushes activity sets as they are stored (Direct Line 3.0 streaming)',
    responses: { 201: json(api.directLineConversation, 'the conversation'), ...errors(401, 429) },
  });
  route({
    method: 'get',
    path: dl('/conversations/{id}'),
    summary: 'Reconnect to a conversation: a fresh streamUrl whose stream resumes after the watermark (none: from the start)',
    request: {
      params: conversationParam,
      query: z.object({ watermark: z.string().optional().openapi({ description: 'the last watermark the client saw' }) }),
    },
    responses: { 200: json(api.directLineConversation, 'the conversation'), ...errors(401, 429) },
  });
  route({
    method: 'post',
    path: dl('/conversations/{id}/activities'),
    summary: 'Send an activity from the user (message, event, typing); the bot’s replies follow in GET …/activities',
    request: {
      params: conversationParam,
      ...body(
        z
          .object({ type: z.string(), text: z.string().optional(), from: z.object({ id: z.string() }).passthrough() })
          .passthrough()
          .openapi({ description: 'a Direct Line activity' }),
      ),
    },
    responses: { 200: json(api.directLineResourceResponse, 'the activity’s id'), ...errors(401, 429) },
  });
  route({
    method: 'post',
    path: dl('/conversations/{id}/upload'),
    summary:
      'Send files with a message, as Web Chat’s upload button does: multipart/form-data with an `activity` part and one `file` part per file (JPEG, PNG, HEIC, MP4 decided from the bytes; 4 files of 20 MB, 20 per conversation); read only after the token is checked',
    request: {
      params: conversationParam,
      query: z.object({ userId: z.string().optional() }),
      body: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: z.object({
              activity: z.string().openapi({ format: 'binary' }),
              file: z.array(z.string().openapi({ format: 'binary' })),
            }),
          },
        },
      },
    },
    responses: { 200: json(api.directLineResourceResponse, 'the message’s id'), ...errors(401, 429) },
  });
  for (const suffix of ['', '/thumbnail']) {
    route({
      method: 'get',
      path: dl(`/conversations/{id}/media/{mediaId}${suffix}`),
      summary: `An attachment of the conversation${suffix ? ' (thumbnail)' : ''}, by the signed link in the activity (no token: an <img> cannot send one)`,
      open: true,
      request: { params: conversationParam.extend({ mediaId: z.string() }), query: z.object({ sig: z.string() }) },
      responses: { 200: binary('the file'), ...errors(404, 429) },
    });
  }
  route({
    method: 'get',
    path: dl('/conversations/{id}/activities'),
    summary: 'Activities after a watermark',
    request: {
      params: conversationParam,
      query: z.object({ watermark: z.string().optional().openapi({ description: 'from the previous answer' }) }),
    },
    responses: { 200: json(api.directLineActivitySet, 'activities and the new watermark'), ...errors(401, 429) },
  });

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Fault triage assistant',
      version: '1',
      description:
        'Suggestions, the fault manual, dispatch tickets, reports, the call-center queue and live chats, the bot and a local Direct Line. Every error answers `{code, error, issues?, errorId?}`. ' +
        'Two WebSockets are not listed as paths: a conversation’s Direct Line `streamUrl` (activity sets `{activities, watermark}`, empty keep-alive messages), and `/api/live`, the panel’s live line (first message `{"type":"auth","key":…}`, then `{"type":"watch","handoffs":[ids]}` and `{"type":"typing","handoff":id}`; it pushes hints `queue`, `handoff` {kind messages|typing|status}, `resync`).',
    },
  });
}
