import { LANGUAGES } from '../language/languages.js';
import { z } from 'zod';
import {
  bilingual,
  category,
  causeSchema,
  faultSchema,
  partsFileSchema,
  productLineCode,
  SELF_SERVICE,
  stepSchema,
} from '../knowledge/schema.js';
import { createTicketSchema, SLA_BASES, SLA_CLOCKS, stepTriedSchema, ticketStatus } from '../tickets/model.js';
import { checklistItemSchema } from '../maintenance/schema.js';
import { inspectionResultSchema, ITEM_RESULTS } from '../maintenance/work-order-schema.js';

/**
 * What the server answers, route by route: the one description of the HTTP API's
 * responses. The OpenAPI document (src/server/openapi.ts) is generated from these
 * schemas, the contract test checks real answers against them, and the pages and
 * tests import the inferred types. Request schemas stay where they validate (the
 * ticket model, the route modules).
 *
 * This module is imported by the browser build for its types only; it may import
 * nothing but zod and other schema modules (no node:*, no server code).
 */

const isoDateTime = z.string().describe('ISO 8601 date-time');

// ---------------------------------------------------------------------------------------
// Errors

/** Every error the server answers has this shape; `code` tells apart errors that share a status. */
export const errorBody = z.object({
  code: z
    .string()
    .describe('machine-readable: invalid_request, unauthorized, forbidden, not_found, illegal_transition, version_conflict, …'),
  error: z.string().describe('what went wrong, for a person'),
  issues: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('one entry per invalid field (400)'),
  errorId: z.string().optional().describe('quote it to support: it finds the log line (500)'),
});
export type ErrorBody = z.infer<typeof errorBody>;

// ---------------------------------------------------------------------------------------
// Health

/** GET /healthz: the process lives (always 200 while it can answer at all). */
export const healthBody = z.object({ status: z.literal('ok') });
/** GET /readyz: the index is loaded and the store answers (otherwise 503 with the error envelope naming what is not). */
export const readyBody = z.object({ status: z.literal('ready') });

// ---------------------------------------------------------------------------------------
// Suggestions

export const REASONS = ['no-match', 'low-confidence', 'other-machine', 'intent'] as const;

export const suggestionSchema = z.object({
  id: z.string(),
  title: bilingual,
  productLine: productLineCode,
  category,
  selfService: z.enum(SELF_SERVICE),
  score: z.number().min(0).max(1).describe('0–1, never above the candidate ranked before it'),
  matchedPhrasing: z.string().describe('the manual phrasing that matched best'),
});
export type Suggestion = z.infer<typeof suggestionSchema>;

export const suggestResponse = z.object({
  abstain: z.boolean(),
  reason: z.enum(REASONS).optional().describe('why the engine abstained'),
  confidence: z.number(),
  language: z.enum([...LANGUAGES, 'unknown']).describe('the language the caller writes in'),
  detectedProductLine: productLineCode.optional().describe('the machine named in the text, when no filter was given'),
  /** A request that is not a fault description (parts order, invoice …): who handles it. */
  intent: z.object({ id: z.string(), route: z.string() }).optional().describe('a non-fault request and the desk that handles it'),
  plausibleLines: z.array(productLineCode).optional().describe('no machine named and two or more product lines plausible'),
  dense: z
    .enum(['used', 'not-needed', 'over-budget'])
    .optional()
    .describe(
      "whether the sentence encoder took part: used; not-needed (the words decided); over-budget (it would have made the answer late, so the answer is the words' alone)",
    ),
  results: z.array(suggestionSchema),
});
export type SuggestResponse = z.infer<typeof suggestResponse>;

// ---------------------------------------------------------------------------------------
// The manual

export const productLineSummary = z.object({ code: productLineCode, name: bilingual, serviceTier: z.string() });
export type ProductLineSummary = z.infer<typeof productLineSummary>;

export const faultSummary = z.object({
  id: z.string(),
  productLine: productLineCode,
  category,
  title: bilingual,
  selfService: z.enum(SELF_SERVICE),
});
export type FaultSummary = z.infer<typeof faultSummary>;

export const faultsResponse = z.object({ productLines: z.array(productLineSummary), faults: z.array(faultSummary) });
export type FaultsResponse = z.infer<typeof faultsResponse>;

/** A step as the API shows it: whether it may be read to the caller is decided once, on the server. */
export const stepView = stepSchema.extend({ readToCaller: z.boolean() });
export type StepView = z.infer<typeof stepView>;

export const partView = partsFileSchema.shape.parts.element;

export const faultEntry = faultSchema.extend({
  causes: z.array(causeSchema.extend({ checks: z.array(stepView), fixes: z.array(stepView) })),
  parts: z.array(partView),
  plannedGrade: z.string(),
  workloadCoefficient: z.number(),
  /** The product line's stop-work instructions, for a fault the operator must not touch. */
  stopWork: z.object({ en: z.array(z.string()), zh: z.array(z.string()) }).optional(),
});
export type FaultEntry = z.infer<typeof faultEntry>;
export type CauseView = FaultEntry['causes'][number];

// ---------------------------------------------------------------------------------------
// Tickets

export const clockState = z.enum(['met', 'met-late', 'on-track', 'at-risk', 'breached', 'not-applicable']);

export const slaClock = z.object({ name: z.enum(SLA_CLOCKS), dueAt: isoDateTime, metAt: isoDateTime.optional() });
export const clockView = slaClock.extend({
  state: clockState,
  remainingMs: z.number().optional().describe('milliseconds left (negative when overdue); absent once met'),
});
export type ClockViewBody = z.infer<typeof clockView>;

export const historyEntry = z.object({
  at: isoDateTime,
  actor: z.string(),
  action: z.enum(['created', 'status', 'assigned', 'closed-out', 'machine-down', 'media']),
  from: ticketStatus.optional(),
  to: ticketStatus.optional(),
  technicianId: z.string().optional(),
  note: z.string().optional(),
  machineDown: z.boolean().optional(),
});

export const closeOutView = z.object({
  actualFaultId: z.string().nullable(),
  causeId: z.string().optional(),
  rootCauseClass: z.string(),
  partsUsed: z.array(z.object({ code: z.string(), quantity: z.number().int() })),
  workDone: z.string(),
  minutesOnSite: z.number().int(),
  grade: z.string(),
  workloadCoefficient: z.number(),
  technicianId: z.string(),
  at: isoDateTime,
});

export const ticketMedia = z.object({
  id: z.string().describe('SHA-256 of the bytes'),
  contentType: z.string(),
  name: z.string(),
  size: z.number().int(),
  hasThumbnail: z.boolean(),
  gps: z.object({ lat: z.number(), lon: z.number() }).optional().describe("from the photo's EXIF"),
  by: z.enum(['operator', 'technician', 'staff']),
  at: isoDateTime,
});
export type TicketMediaView = z.infer<typeof ticketMedia>;

/** The photos and videos an operator sent in a handed-over conversation (the live desk shows them). */
export const conversationMedia = z.object({
  handoffId: z.string(),
  conversationId: z.string(),
  media: z.array(ticketMedia),
});
export type ConversationMedia = z.infer<typeof conversationMedia>;

/** What the calling key may do next with this ticket (the same rules the service enforces). */
export const allowedView = z.object({
  assign: z.boolean(),
  statuses: z.array(ticketStatus),
  closeOut: z.boolean(),
  inspectionResult: z.boolean().describe('a maintenance work order: POST /api/inspections/{id}/result'),
});

const calendarDay = z.string().describe('YYYY-MM-DD');

/** Warranty (三包) decides whether a job is billed; null when the machine is not in the installed base. */
export const billingView = z.object({ billable: z.boolean().nullable(), reason: z.string(), warrantyEnd: calendarDay.optional() });

export const VISIT_KINDS = ['first-month', 'hazard', 'default', 'pre-peak', 'post-peak', 'annual'] as const;

/** The inspection a maintenance ticket is for, with its checklist and (once done) the result. */
export const inspectionOrderView = z.object({
  serial: z.string(),
  dueOn: calendarDay,
  kinds: z.array(z.enum(VISIT_KINDS)),
  reasons: z.array(bilingual),
  plan: z.string(),
  checklist: z.array(checklistItemSchema),
  reservedParts: z.array(z.string()),
  result: inspectionResultSchema
    .omit({ expectedVersion: true, items: true })
    .extend({
      items: z.array(
        z.object({
          id: z.string(),
          result: z.enum(ITEM_RESULTS),
          note: z.string().optional(),
          machineDown: z.boolean().optional(),
          faultTicket: z.object({ id: z.string(), number: z.string() }).optional(),
        }),
      ),
      at: isoDateTime,
      technicianId: z.string(),
      workloadCoefficient: z.number(),
    })
    .optional(),
});

export const ticketView = createTicketSchema.extend({
  contact: z.object({ name: z.string(), phone: z.string().describe('E.164') }),
  stepsTried: z.array(stepTriedSchema),
  source: z.enum(['bot', 'panel', 'api']),
  id: z.string(),
  number: z.string().describe('FT-2026-000001'),
  kind: z.enum(['fault', 'maintenance']).optional().describe('absent on tickets from before the installed base: a fault'),
  billing: billingView.optional(),
  inspection: inspectionOrderView.optional(),
  origin: z
    .object({ ticketId: z.string(), number: z.string(), itemId: z.string() })
    .optional()
    .describe('the inspection whose failed item opened this fault ticket'),
  status: ticketStatus,
  version: z.number().int(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  grade: z.string().nullable(),
  workloadCoefficient: z.number().nullable(),
  likelyParts: z.array(z.string()),
  serviceTier: z.string(),
  sla: z.object({
    clocks: z.array(slaClock),
    atRiskFraction: z.number(),
    basis: z.enum(SLA_BASES).optional().describe("which of the tier's clock sets applies: machine-down (shorter) or running"),
  }),
  technicianId: z.string().optional(),
  closeOut: closeOutView.optional(),
  media: z.array(ticketMedia).optional().describe('photos and videos; fetch each at /api/tickets/{id}/media/{mediaId} (and /thumbnail)'),
  history: z.array(historyEntry),
  slaStatus: z.array(clockView).describe('each clock now: met, met-late, on-track, at-risk, breached'),
  allowed: allowedView,
});
export type TicketView = z.infer<typeof ticketView>;

export const ticketList = z.object({
  serverTime: isoDateTime.describe("the server's clock, for countdowns"),
  tickets: z.array(ticketView),
});
export type TicketList = z.infer<typeof ticketList>;

export const meResponse = z.object({
  role: z.enum(['agent', 'dispatcher', 'technician', 'admin']),
  technicianId: z.string().nullable(),
  label: z
    .string()
    .optional()
    .describe('the key as records name it (role and a fingerprint, never the secret): a live chat’s claimedBy, a ticket’s history'),
});
export type MeResponse = z.infer<typeof meResponse>;

export const gapCreated = z.object({ id: z.string(), status: z.string() });
export const outcomeCreated = z.object({ id: z.string(), outcome: z.literal('resolved-by-phone') });

// ---------------------------------------------------------------------------------------
// Reports

const period = { from: isoDateTime, to: isoDateTime };
const clockCompliance = z.object({
  onTime: z.number().int(),
  late: z.number().int(),
  breached: z.number().int(),
  pending: z.number().int(),
  compliance: z.number().nullable(),
});
export const workloadReport = z.object({
  ...period,
  technicians: z.array(z.object({ technicianId: z.string(), tickets: z.number().int(), workload: z.number() })),
});
export type WorkloadReport = z.infer<typeof workloadReport>;
export const slaReport = z.object({
  ...period,
  productLines: z.array(
    z.object({
      productLine: productLineCode,
      tickets: z.number().int(),
      clocks: z.object(
        Object.fromEntries(SLA_CLOCKS.map((c) => [c, clockCompliance])) as Record<(typeof SLA_CLOCKS)[number], typeof clockCompliance>,
      ),
    }),
  ),
});
export type SlaReport = z.infer<typeof slaReport>;
export const faultReport = z.object({
  ...period,
  faults: z.array(z.object({ faultId: z.string(), matched: z.number().int(), actual: z.number().int() })),
});

// ---------------------------------------------------------------------------------------
// The call center's queue and the chat

// The queue and the live-agent API are described in handoffs.ts.
export { handoffList, type HandoffList } from './handoffs.js';

export const chatToken = z.object({
  conversationId: z.string(),
  token: z.string(),
  expires_in: z.number().describe('seconds the token stays valid'),
});

// ---------------------------------------------------------------------------------------
// Direct Line 3.0 (the subset served locally; Microsoft's protocol, not ours)

export const directLineConversation = z.object({
  conversationId: z.string(),
  token: z.string(),
  expires_in: z.number(),
  streamUrl: z.string().optional(),
});
export const directLineActivitySet = z.object({
  activities: z.array(z.object({ type: z.string(), id: z.string().optional() }).passthrough()),
  watermark: z.string(),
});
export const directLineResourceResponse = z.object({ id: z.string() });

// ---------------------------------------------------------------------------------------
// The installed base and the maintenance service

export const machineView = z.object({
  serial: z.string(),
  model: z.string(),
  productLine: productLineCode,
  customer: z.string(),
  site: z.string(),
  acceptedOn: calendarDay,
  warrantyMonths: z.number().int(),
  warrantyEnd: calendarDay.describe('the last day the warranty covers'),
  contactPhone: z.string().optional().describe('E.164'),
  plan: z.string().describe('the service tier it is served under'),
  technicianId: z.string().optional().describe('the named technician of a value-added plan'),
  updatedAt: isoDateTime,
  inWarranty: z.boolean(),
});
export type MachineView = z.infer<typeof machineView>;
export const machineList = z.object({ machines: z.array(machineView) });

export const importProblem = z.object({ line: z.number().int(), field: z.string(), error: z.string() });
export const importResult = z.object({
  imported: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  problems: z.array(importProblem).max(0),
});
export const importRefused = errorBody.extend({ imported: z.literal(0), updated: z.literal(0), problems: z.array(importProblem) });

export const INSPECTION_STATUSES = ['planned', 'due', 'overdue', 'missed', 'ordered', 'done', 'cancelled'] as const;
export const inspectionView = z.object({
  serial: z.string(),
  model: z.string(),
  productLine: productLineCode,
  customer: z.string(),
  site: z.string(),
  plan: z.string(),
  dueOn: calendarDay,
  kinds: z.array(z.enum(VISIT_KINDS)),
  reasons: z.array(bilingual).describe('why the visit falls on this day'),
  status: z.enum(INSPECTION_STATUSES),
  remindFrom: calendarDay,
  workOrder: z
    .object({
      id: z.string(),
      number: z.string(),
      status: ticketStatus,
      technicianId: z.string().optional(),
      doneAt: isoDateTime.optional(),
    })
    .optional(),
});
export type InspectionView = z.infer<typeof inspectionView>;
export const inspectionList = z.object({ from: calendarDay, to: calendarDay, inspections: z.array(inspectionView) });
export const reminderList = z.object({
  today: calendarDay,
  reminders: z.array(inspectionView.extend({ contactPhone: z.string().optional(), reminded: z.boolean() })),
});

export const machineDetail = machineView.extend({
  productLineName: bilingual,
  billing: billingView,
  tickets: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      kind: z.enum(['fault', 'maintenance']),
      status: ticketStatus,
      createdAt: isoDateTime,
      faults: z.array(z.string()),
      actualFaultId: z.string().nullable(),
      technicianId: z.string().nullable(),
      billable: z.boolean().nullable(),
      operatorWords: z.string().optional().describe('not shown to technicians'),
    }),
  ),
  inspections: z.array(inspectionView),
});
export type MachineDetail = z.infer<typeof machineDetail>;

const hazardBin = z.object({
  month: z.number().int(),
  atRisk: z.number().int(),
  firstFaults: z.number().int(),
  hazard: z.number().nullable(),
  cumulative: z.number(),
});
export const lineEvidenceView = z.object({
  productLine: productLineCode,
  machines: z.number().int(),
  firstFaults: z.number().int(),
  hazard: z.array(hazardBin).describe('first-fault hazard and Kaplan–Meier cumulative share by age month'),
  monthlyTickets: z.array(z.object({ month: z.number().int(), tickets: z.number().int(), share: z.number() })),
  ticketsInYear: z.number().int(),
  peak: z.object({ months: z.array(z.number().int()), share: z.number(), factor: z.number() }).optional(),
});
export const lineScheduleView = z.object({
  productLine: productLineCode,
  basis: z.enum(['data', 'default']),
  ageVisits: z.array(
    z.object({ kind: z.enum(VISIT_KINDS), day: z.number().int(), months: z.number().int().optional(), reason: bilingual }),
  ),
  seasonVisits: z.array(
    z.object({ kind: z.enum(['pre-peak', 'post-peak']), month: z.number().int(), dayOfMonth: z.number().int(), reason: bilingual }),
  ),
  notes: z.array(bilingual),
  evidence: lineEvidenceView,
});
export const scheduleResponse = z.object({
  today: calendarDay,
  settings: z.record(z.number().or(z.array(z.number()))),
  proposals: z.array(z.object({ productLine: productLineCode, plan: z.string(), schedule: lineScheduleView })),
});
export type ScheduleResponse = z.infer<typeof scheduleResponse>;

export const selfServiceReport = z.object({
  from: isoDateTime,
  to: isoDateTime,
  months: z.array(
    z.object({
      month: z.string().describe('YYYY-MM'),
      resolved: z.number().int(),
      resolvedByPhone: z.number().int(),
      escalated: z.number().int(),
      handedOff: z.number().int(),
      selfServiceRate: z.number().nullable().describe('resolved by the operator or on the phone, of the triages that ended'),
      suggestions: z.number().int(),
      abstained: z.number().int(),
      abstentionRate: z.number().nullable(),
    }),
  ),
});
export type SelfServiceReport = z.infer<typeof selfServiceReport>;
export const gapTrendReport = z.object({
  from: isoDateTime,
  to: isoDateTime,
  months: z.array(z.object({ month: z.string(), opened: z.number().int(), accepted: z.number().int(), rejected: z.number().int() })),
});
export type GapTrendReport = z.infer<typeof gapTrendReport>;
export const inspectionComplianceReport = z.object({
  from: isoDateTime,
  to: isoDateTime,
  productLines: z.array(
    z.object({
      productLine: productLineCode,
      due: z.number().int(),
      onTime: z.number().int(),
      late: z.number().int(),
      missed: z.number().int(),
      pending: z.number().int(),
      compliance: z.number().nullable().describe('done within the window, of the visits decided'),
    }),
  ),
});
export type InspectionComplianceReport = z.infer<typeof inspectionComplianceReport>;

// ---------------------------------------------------------------------------------------
// The technician roster

export const technicianView = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string().describe('E.164'),
  skills: z.array(productLineCode).describe('product lines the technician is trained for'),
  region: z.string(),
  base: z.object({ lat: z.number(), lon: z.number() }).optional(),
  active: z.boolean(),
  version: z.number().int(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type TechnicianView = z.infer<typeof technicianView>;
export const technicianList = z.object({
  technicians: z.array(technicianView.extend({ openJobs: z.number().int().describe('tickets assigned, en route or on site') })),
});
export type TechnicianList = z.infer<typeof technicianList>;

export const assignmentSuggestions = z.object({
  ticketId: z.string(),
  suggestions: z.array(
    z.object({
      technicianId: z.string(),
      name: z.string(),
      phone: z.string(),
      skilled: z.boolean().describe("trained for the ticket's product line"),
      distanceKm: z.number().nullable().describe('from their base to the site, when both have coordinates'),
      inRegion: z.boolean().describe("the site address names the technician's region"),
      openJobs: z.number().int(),
      cost: z.number().describe('the ranking: travel km plus 30 km per open job; untrained technicians last'),
    }),
  ),
});
export type AssignmentSuggestions = z.infer<typeof assignmentSuggestions>;

// ---------------------------------------------------------------------------------------
// The conversation behind a ticket

export const transcriptResponse = z.object({
  ticketId: z.string(),
  channel: z.string(),
  conversationId: z.string(),
  lines: z.array(
    z.object({
      from: z.enum(['user', 'bot']),
      text: z.string(),
      at: isoDateTime,
      attachments: z.array(z.object({ mediaId: z.string().optional(), contentType: z.string(), name: z.string().optional() })),
      event: z.string().optional().describe('an event such as a shared location'),
    }),
  ),
});
export type TranscriptResponse = z.infer<typeof transcriptResponse>;

export const partsResponse = z.object({ parts: z.array(partView) });
export type PartsResponse = z.infer<typeof partsResponse>;
