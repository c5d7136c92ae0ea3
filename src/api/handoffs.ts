import { z } from 'zod';
import { stepTriedSchema, ticketStatus } from '../tickets/model.js';
import { productLineCode } from '../knowledge/schema.js';

/**
 * The live-agent API (/api/handoffs): requests and responses. Like responses.ts, this
 * module is imported by the pages for its types and by the OpenAPI document; it imports
 * nothing but zod and schema modules.
 */

const isoDateTime = z.string().describe('ISO 8601 date-time');

export const HANDOFF_STATUSES = ['open', 'claimed', 'closed'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

// ---------------------------------------------------------------------------------------
// Requests

export const handoffListQuery = z
  .object({
    status: z.enum(HANDOFF_STATUSES).default('open').describe('open: waiting for a person; claimed: with an agent; closed'),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  })
  .strict();

export const handoffMessagesQuery = z
  .object({
    after: z
      .string()
      .regex(/^\d{1,9}$/, 'the cursor of an earlier answer')
      .default('0')
      .describe('the cursor of the previous answer; 0 for all'),
  })
  .strict();

const messageText = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(2000, 'at most 2000 characters')
  .refine((s) => !s.includes('\u0000'), 'must not contain the NUL character');

export const handoffMessageBody = z.object({ text: messageText }).strict();
export type HandoffMessageBody = z.infer<typeof handoffMessageBody>;

export const handoffReleaseBody = z
  .object({ to: z.enum(['bot', 'closed']).describe('bot: the assistant takes the conversation again; closed: the chat is over') })
  .strict();
export type HandoffReleaseBody = z.infer<typeof handoffReleaseBody>;

export const handoffIdParam = z.object({ id: z.string().uuid('a handoff id') });

// ---------------------------------------------------------------------------------------
// Responses

export const transcriptLine = z.object({ from: z.enum(['user', 'bot']), text: z.string(), at: isoDateTime });

export const handoffSummary = z.object({
  id: z.string(),
  status: z.enum(HANDOFF_STATUSES),
  createdAt: isoDateTime.describe('when the bot handed over'),
  conversationId: z.string(),
  channel: z.string().describe('directline (the /chat page), msteams, telephony …'),
  language: z.string(),
  productLine: productLineCode.optional(),
  faultId: z.string().optional().describe('the bot’s match when it handed over'),
  reason: z.string(),
  priority: z.enum(['urgent', 'normal']).describe('urgent: the bot detected danger'),
  callbackPhone: z.string().optional().describe('a number the operator left for a call back (E.164)'),
  claimedBy: z.string().optional().describe('the agent holding the chat'),
  claimedAt: isoDateTime.optional(),
  closedAt: isoDateTime.optional(),
  releasedTo: z.enum(['bot', 'closed']).optional(),
  unclaimedNoticeAt: isoDateTime.optional().describe('when the bot told the operator nobody was free yet'),
  waitedSeconds: z.number().describe('handoff → claim, or until now while open'),
  ticketId: z.string().optional(),
  transcript: z.array(transcriptLine).describe('the conversation with the bot up to the handoff'),
});
export type HandoffSummary = z.infer<typeof handoffSummary>;

export const handoffList = z.object({
  handoffs: z.array(handoffSummary).describe('newest first'),
  total: z.number().int().describe('how many handoffs have this status'),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type HandoffList = z.infer<typeof handoffList>;

export const handoffDetail = handoffSummary.extend({
  stepsTried: z.array(stepTriedSchema).describe('what the operator already tried with the bot'),
  tickets: z.array(z.object({ id: z.string(), number: z.string(), status: ticketStatus })).describe('tickets of this conversation'),
  /** "<channel>:<conversation>", the reference a ticket opened from this chat carries (its updates then reach the operator). */
  ticketReference: z.string(),
});
export type HandoffDetail = z.infer<typeof handoffDetail>;

export const handoffMessage = z.object({
  cursor: z.string(),
  at: isoDateTime,
  from: z.enum(['operator', 'bot', 'agent']),
  author: z.string().optional().describe('the agent who wrote it'),
  text: z.string(),
});
export type HandoffMessage = z.infer<typeof handoffMessage>;

export const handoffMessages = z.object({
  messages: z.array(handoffMessage).describe('both directions, oldest first'),
  cursor: z.string().describe('pass as ?after= to get only what follows'),
  status: z.enum(HANDOFF_STATUSES),
});
export type HandoffMessages = z.infer<typeof handoffMessages>;

const pickupFigures = {
  handoffs: z.number().int(),
  claimed: z.number().int(),
  withinTarget: z.number().int().describe('claimed within the target'),
  withinTargetShare: z.number().nullable(),
  unclaimedNotices: z.number().int().describe('times the bot told an operator nobody was free'),
  pickupSeconds: z.object({ median: z.number().nullable(), p90: z.number().nullable(), max: z.number().nullable() }),
};

export const handoffPickupReport = z.object({
  from: isoDateTime,
  to: isoDateTime,
  targetSeconds: z.number().describe('the pickup target (HANDOFF_PICKUP_TARGET_SECONDS)'),
  ...pickupFigures,
  months: z
    .array(z.object({ month: z.string().describe('YYYY-MM (UTC) of the handoffs'), ...pickupFigures }))
    .describe('the same figures per month, oldest first'),
});
export type HandoffPickupReport = z.infer<typeof handoffPickupReport>;
