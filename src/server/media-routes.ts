import type { Activity } from 'botbuilder';
import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { DirectLineStore } from '../directline/store.js';
import type { DbTranscriptStore } from '../transcripts/store.js';
import type { HandoffDesk } from '../live/handoffs.js';
import { handoffIdParam } from '../api/handoffs.js';
import type { ConversationMedia } from '../api/responses.js';
import { sendMedia, UPLOAD_LIMITS } from '../directline/upload.js';
import { inspectMedia, UnsupportedMediaError } from '../media/inspect.js';
import type { MediaStore } from '../media/store.js';
import type { RosterStore } from '../roster/store.js';
import type { Actor } from '../tickets/actor.js';
import { NotFoundError } from '../errors/domain-errors.js';
import type { Ticket } from '../tickets/model.js';
import type { TicketService } from '../tickets/service.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { guarded, HttpProblem } from '../http/http-errors.js';
import type { RateLimits } from '../http/rate-limit.js';
import { assertOnRoster } from './roster-routes.js';
import { ticketView } from './ticket-routes.js';

/** Who works the live queue (as the handoff routes). */
const DESK_ROLES: readonly Actor['role'][] = ['agent', 'dispatcher', 'admin'];

const mediaId = z.string().regex(/^[0-9a-f]{64}$/, 'a media id is the SHA-256 of the file, 64 hex digits');
export const mediaUploadQuery = z.object({ name: z.string().trim().min(1).max(200).optional() }).strict();

export interface TranscriptLine {
  from: 'user' | 'bot';
  text: string;
  at: string;
  attachments: { mediaId?: string; contentType: string; name?: string }[];
  /** An event such as a shared location. */
  event?: string;
}

/** The longest conversation a transcript returns (Direct Line keeps each turn; a triage has dozens). */
const MAX_TRANSCRIPT = 2000;

/**
 * Photos and videos on tickets, for every role that may see the ticket (the same rule as
 * GET /api/tickets/:id): the operator's from the chat, the technician's from the site
 * (a raw body, typed from its bytes: no multipart here); and the bot conversation a
 * ticket came from, for staff.
 */
export function registerMediaRoutes(
  server: Server,
  deps: {
    tickets: TicketService;
    media: MediaStore;
    roster: RosterStore;
    directLine: DirectLineStore;
    transcripts: DbTranscriptStore;
    desk: HandoffDesk;
    auth: ApiKeyAuth;
    limits: RateLimits;
    log: Logger;
  },
) {
  const { auth, log } = deps;
  const s = { tickets: deps.tickets, media: deps.media, roster: deps.roster };
  const route = (
    bucket: 'api' | 'upload',
    allowed: readonly Actor['role'][] | undefined,
    fn: (req: Request, res: Response, actor: Actor, services: typeof s) => Promise<void>,
  ) =>
    guarded(log, async (req, res) => {
      const actor = auth.actor(req, allowed);
      await deps.limits.check(bucket, req, actor.label);
      await assertOnRoster(actor, s.roster);
      await fn(req, res, actor, s);
    });

  for (const [path, variant] of [
    ['/api/tickets/:id/media/:mediaId', 'full'],
    ['/api/tickets/:id/media/:mediaId/thumbnail', 'thumbnail'],
  ] as const) {
    server.get(
      path,
      route('api', undefined, async (req, res, actor, { tickets, media }) => {
        const ticket = await tickets.get(String(req.params.id), actor);
        const id = mediaId.parse(String(req.params.mediaId));
        if (!ticket.media?.some((m) => m.id === id)) throw new NotFoundError(`ticket ${ticket.number} has no such photo or video`);
        const content = await media.content(id, variant);
        if (!content) throw new NotFoundError(variant === 'thumbnail' ? 'no thumbnail for this file (open the full view)' : 'no such file');
        sendMedia(req, res, content);
      }),
    );
  }

  // The photos of a handed-over conversation, for the live desk (a ticket may not exist yet).
  const handoffConversation = async (req: Request) => {
    const h = await deps.desk.get(handoffIdParam.parse(req.params ?? {}).id);
    return { handoffId: h.id, conversationId: h.conversationId, channel: h.channel };
  };
  server.get(
    '/api/handoffs/:id/media',
    route('api', DESK_ROLES, async (req, res, _actor, { media }) => {
      const h = await handoffConversation(req);
      // Uploads come through the local Direct Line (Web Chat's upload button); other channels keep their files.
      const refs = h.channel === 'directline' ? await media.linked(h.conversationId) : [];
      const body: ConversationMedia = {
        handoffId: h.handoffId,
        conversationId: h.conversationId,
        media: refs.map((r) => ({ ...r, by: 'operator' as const })),
      };
      res.send(200, body);
    }),
  );
  for (const [path, variant] of [
    ['/api/handoffs/:id/media/:mediaId', 'full'],
    ['/api/handoffs/:id/media/:mediaId/thumbnail', 'thumbnail'],
  ] as const) {
    server.get(
      path,
      route('api', DESK_ROLES, async (req, res, _actor, { media }) => {
        const h = await handoffConversation(req);
        const id = mediaId.parse(String(req.params.mediaId));
        if (!(await media.isLinked(h.conversationId, id))) throw new NotFoundError('this conversation has no such photo or video');
        const content = await media.content(id, variant);
        if (!content) throw new NotFoundError(variant === 'thumbnail' ? 'no thumbnail for this file (open the full view)' : 'no such file');
        sendMedia(req, res, content);
      }),
    );
  }

  server.post(
    { path: '/api/tickets/:id/media', body: 'stream' },
    route('upload', ['technician', 'dispatcher', 'admin'], async (req, res, actor, { tickets, media }) => {
      const q = mediaUploadQuery.parse(req.query ?? {});
      const ticket = await tickets.get(String(req.params.id), actor);
      const bytes = await readRaw(req, UPLOAD_LIMITS.fileBytes);
      let info;
      try {
        info = await inspectMedia(bytes, q.name ?? 'the file');
      } catch (err) {
        if (err instanceof UnsupportedMediaError) throw new HttpProblem(415, 'unsupported_media_type', err.message);
        throw err;
      }
      const ref = await media.put(`ticket:${ticket.id}`, bytes, info, q.name ?? `photo-${new Date().toISOString().slice(0, 19)}`);
      const updated = await tickets.attachMedia(ticket.id, [ref], actor.role === 'technician' ? 'technician' : 'staff', actor);
      log.info(
        { ticket: updated.number, media: ref.id.slice(0, 12), type: ref.contentType, bytes: ref.size, actor: actor.label },
        'media added',
      );
      res.send(201, ticketView(updated, actor));
    }),
  );

  server.get(
    '/api/tickets/:id/transcript',
    route('api', ['agent', 'dispatcher', 'admin', 'technician'], async (req, res, actor, { tickets }) => {
      const ticket = await tickets.get(String(req.params.id), actor);
      res.send(200, { ticketId: ticket.id, ...(await transcriptOf(ticket, deps.transcripts, deps.directLine)) });
    }),
  );
}

/**
 * The conversation behind a bot ticket, from the transcript botbuilder's logger keeps for
 * every channel. Tickets opened before that log existed still read their Direct Line log.
 */
async function transcriptOf(
  ticket: Ticket,
  transcripts: DbTranscriptStore,
  directLine: DirectLineStore,
): Promise<{ channel: string; conversationId: string; lines: TranscriptLine[] }> {
  const [channel = '', ...rest] = (ticket.reference ?? '').split(':');
  const conversationId = rest.join(':');
  if (ticket.source !== 'bot' || !conversationId) throw new NotFoundError(`ticket ${ticket.number} did not come from a bot conversation`);
  let activities: Partial<Activity>[] = await transcripts.all(channel, conversationId, MAX_TRANSCRIPT);
  if (activities.length === 0 && channel === 'directline') activities = await directLineLog(directLine, conversationId);
  const lines = activities.map(lineOf).filter((l): l is TranscriptLine => l !== undefined);
  if (lines.length === 0) throw new NotFoundError(`the conversation of ticket ${ticket.number} is no longer kept`);
  return { channel, conversationId, lines: lines.slice(0, MAX_TRANSCRIPT) };
}

async function directLineLog(store: DirectLineStore, conversationId: string): Promise<Partial<Activity>[]> {
  const out: Partial<Activity>[] = [];
  let watermark = 0;
  for (;;) {
    const page = await store.since(conversationId, watermark);
    out.push(...page.activities);
    if (page.activities.length === 0 || page.watermark === watermark || out.length >= MAX_TRANSCRIPT) return out;
    watermark = page.watermark;
  }
}

function lineOf(a: Partial<Activity>): TranscriptLine | undefined {
  const from = a.from?.role === 'bot' || a.from?.id === 'bot' ? 'bot' : 'user';
  const at = new Date(a.timestamp ?? 0).toISOString();
  if (a.type === 'event') return { from, text: '', at, attachments: [], event: String(a.name ?? 'event').slice(0, 100) };
  if (a.type !== 'message') return undefined;
  const media = ((a.channelData as { media?: { id: string }[] } | undefined)?.media ?? []).map((m) => m.id);
  return {
    from,
    text: String(a.text ?? ''),
    at,
    attachments: (a.attachments ?? [])
      .filter((x) => typeof x.contentType === 'string' && !x.contentType.startsWith('application/vnd.microsoft.card'))
      .map((x, i) => ({ mediaId: media[i], contentType: x.contentType, name: x.name })),
  };
}

/** A raw body (one photo or video) of at most `max` bytes; the type is decided from the bytes afterwards. */
function readRaw(req: Request, max: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity')
    return Promise.reject(new HttpProblem(415, 'unsupported_encoding', 'send the file uncompressed', { Connection: 'close' }));
  if (/^multipart\//i.test(String(req.headers['content-type'] ?? ''))) {
    return Promise.reject(
      new HttpProblem(415, 'unsupported_media_type', 'send the file itself as the body (Content-Type: image/jpeg …), not a form', {
        Connection: 'close',
      }),
    );
  }
  if (Number(req.headers['content-length'] ?? 0) > max)
    return Promise.reject(new HttpProblem(413, 'payload_too_large', `a file is limited to ${max / 1_048_576} MB`, { Connection: 'close' }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        req.resume();
        reject(new HttpProblem(413, 'payload_too_large', `a file is limited to ${max / 1_048_576} MB`, { Connection: 'close' }));
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => {
      if (done) return;
      done = true;
      if (size === 0) reject(new HttpProblem(400, 'empty_body', 'send the photo or video as the body'));
      else resolve(Buffer.concat(chunks, size));
    });
    req.once('aborted', () => {
      if (!done) reject(new HttpProblem(400, 'aborted', 'the upload was interrupted'));
      done = true;
    });
  });
}
