import { isValidPhoneNumber, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { Billing } from '../equipment/model.js';
import { causeClass, faultId, gradeCode, partCode, productLineCode } from '../knowledge/schema.js';
import type { InspectionOrder } from '../maintenance/work-order.js';
import { storableText } from '../storage/storable-text.js';

export const TICKET_STATUSES = ['new', 'assigned', 'en_route', 'on_site', 'resolved', 'closed', 'cancelled'] as const;
export const ticketStatus = z.enum(TICKET_STATUSES);
export type TicketStatus = z.infer<typeof ticketStatus>;

const text = (max: number) => storableText().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

/**
 * Phone numbers are validated and stored in E.164. Numbers without a country code are
 * read as Chinese (+86), the home market; others must carry their +code.
 */
export const phoneNumber = z
  .string()
  .trim()
  .max(40)
  .refine((v) => isValidPhoneNumber(v, 'CN'), 'not a valid phone number (include the country code, e.g. +86 138 0013 8000)')
  .transform((v) => parsePhoneNumberWithError(v, 'CN').number as string);

export const siteSchema = z
  .object({
    address: text(500),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
  })
  .strict();

export const stepTriedSchema = z
  .object({
    faultId: faultId.optional(),
    causeId: storableText().max(10).optional(),
    step: text(1000),
    result: z.enum(['fixed', 'not-fixed', 'could-not-do', 'skipped']),
    /** A reading or fault code the operator gave at this step ("92 degrees", "E-0231"). */
    reading: text(300).optional(),
  })
  .strict();
export type StepTried = z.infer<typeof stepTriedSchema>;

/** What a caller (bot, panel, API client) supplies to open a ticket. */
export const createTicketSchema = z
  .object({
    customer: z.object({ name: text(200), site: siteSchema }).strict(),
    contact: z.object({ name: text(200), phone: phoneNumber }).strict(),
    equipment: z.object({ productLine: productLineCode, model: text(100).optional(), serial: text(100).optional() }).strict(),
    faults: z
      .array(z.object({ id: faultId, confidence: z.number().min(0).max(1).optional() }).strict())
      .max(5)
      .default([]),
    operatorWords: text(10_000),
    stepsTried: z.array(stepTriedSchema).max(100).default([]),
    machineDown: z.boolean(),
    source: z.enum(['bot', 'panel', 'api']).default('api'),
    /** Conversation or call reference, so a ticket can be traced to where it came from. */
    reference: text(200).optional(),
  })
  .strict();
export type CreateTicketInput = z.infer<typeof createTicketSchema>;

export const statusChangeSchema = z
  .object({
    status: ticketStatus,
    note: text(2000).optional(),
    /** Optimistic concurrency: refuse the change if the ticket changed since this version. */
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict();

export const assignSchema = z
  .object({
    technicianId: storableText().trim().min(1, 'name the technician (an id from the roster)').max(100),
    note: text(2000).optional(),
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict();

/** The machine stopped (or runs again) after the ticket was opened: its open clocks follow. */
export const machineDownSchema = z
  .object({ machineDown: z.boolean(), note: text(2000).optional(), expectedVersion: z.number().int().min(1).optional() })
  .strict();

export const closeOutSchema = z
  .object({
    /** The fault actually found, or null when the manual has no entry for it. */
    actualFaultId: faultId.nullable(),
    causeId: z
      .string()
      .regex(/^c\d{1,2}$/)
      .optional(),
    rootCauseClass: causeClass,
    partsUsed: z
      .array(z.object({ code: partCode, quantity: z.number().int().min(1).max(1000) }).strict())
      .max(100)
      .default([]),
    workDone: text(5000),
    minutesOnSite: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 14),
    /** Overrides the grade derived from the cause, when the job was harder or easier. */
    grade: gradeCode.optional(),
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict();
export type CloseOutInput = z.infer<typeof closeOutSchema>;

export const SLA_CLOCKS = ['respond', 'on_site', 'fixed', 'follow_up'] as const;
export type SlaClockName = (typeof SLA_CLOCKS)[number];

export const SLA_BASES = ['running', 'machine-down'] as const;
export type SlaBasis = (typeof SLA_BASES)[number];

export interface SlaClock {
  name: SlaClockName;
  dueAt: string;
  metAt?: string;
}

export interface HistoryEntry {
  at: string;
  actor: string;
  action: 'created' | 'status' | 'assigned' | 'closed-out' | 'machine-down' | 'media';
  from?: TicketStatus;
  to?: TicketStatus;
  technicianId?: string;
  note?: string;
  /** For 'machine-down': what the operator or dispatch now says. */
  machineDown?: boolean;
}

export interface CloseOut extends Omit<CloseOutInput, 'expectedVersion' | 'grade'> {
  grade: string;
  workloadCoefficient: number;
  technicianId: string;
  at: string;
}

/** A fault ticket (emergency service) or an inspection work order (maintenance service). */
export type TicketKind = 'fault' | 'maintenance';

export interface Ticket extends Omit<CreateTicketInput, never> {
  id: string;
  number: string;
  /** Absent on tickets opened before the installed base existed: those are faults. */
  kind?: TicketKind;
  /** Warranty decides: set when the ticket was opened, from the machine's record. */
  billing?: Billing;
  /** For kind "maintenance": the visit, its checklist and (once done) the result. */
  inspection?: InspectionOrder;
  /** A fault ticket opened because an inspection item failed. */
  origin?: { ticketId: string; number: string; itemId: string };
  status: TicketStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Planned from the manual at creation; the close-out records the real one. */
  grade: string | null;
  workloadCoefficient: number | null;
  likelyParts: string[];
  serviceTier: string;
  /** basis: which of the tier's clock sets applied (a machine that is down gets the shorter ones). */
  sla: { clocks: SlaClock[]; atRiskFraction: number; basis?: SlaBasis };
  technicianId?: string;
  closeOut?: CloseOut;
  /** Photos and videos: the operator's from the chat, the technician's from the site. */
  media?: TicketMedia[];
  history: HistoryEntry[];
}

export interface TicketMedia {
  /** SHA-256 of the bytes; fetched at /api/tickets/:id/media/:mediaId (and …/thumbnail). */
  id: string;
  contentType: string;
  name: string;
  size: number;
  hasThumbnail: boolean;
  gps?: { lat: number; lon: number };
  by: 'operator' | 'technician' | 'staff';
  at: string;
}
