import type { Activity } from 'botbuilder';
import { createHmac, timingSafeEqual } from 'node:crypto';
import parseRange from 'range-parser';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import { inspectMedia, UnsupportedMediaError, type Inspected } from '../media/inspect.js';
import { readMultipart, UploadRefused, type UploadedFile } from '../media/multipart.js';
import type { MediaRef, MediaStore } from '../media/store.js';
import { HttpProblem } from '../http/http-errors.js';
import { NotFoundError } from '../errors/domain-errors.js';
import type { DirectLineStore } from './store.js';

/** Limits of what an operator may send through the chat. */
export const UPLOAD_LIMITS = {
  /** Per file: a phone photo is 2–8 MB, a short clip more. */
  fileBytes: 20 * 1_048_576,
  filesPerRequest: 4,
  filesPerConversation: 20,
  /** Uploads being read at once on this instance (each holds its files in memory). */
  concurrent: 4,
} as const;

/** The template activity Web Chat sends with the files (its attachments without their contentUrl). */
const templateActivity = z
  .object({
    type: z.literal('message').default('message'),
    text: z.string().max(10_000).optional(),
    textFormat: z.string().max(20).optional(),
    locale: z.string().max(20).optional(),
    from: z
      .object({ id: z.string().min(1).max(200), name: z.string().max(200).default('user') })
      .passthrough()
      .optional(),
    channelData: z.record(z.unknown()).optional(),
    attachments: z
      .array(z.object({ name: z.string().max(200).optional(), contentType: z.string().max(100).optional() }).passthrough())
      .max(UPLOAD_LIMITS.filesPerRequest)
      .optional(),
  })
  .passthrough();

const sign = (key: string, mediaId: string) => createHmac('sha256', key).update(`media:${mediaId}`).digest('base64url').slice(0, 32);

/** The link a conversation's browser opens an attachment with: signed, so it works in an <img> without headers. */
export function attachmentUrl(conversationId: string, key: string, mediaId: string, variant: 'full' | 'thumbnail'): string {
  return `/v3/directline/conversations/${conversationId}/media/${mediaId}${variant === 'thumbnail' ? '/thumbnail' : ''}?sig=${sign(key, mediaId)}`;
}

export function verifySignature(key: string, mediaId: string, sig: string): boolean {
  const want = Buffer.from(sign(key, mediaId));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface UploadHelpers {
  store: DirectLineStore;
  media: MediaStore;
  conversationId: string;
  /** Echoes the user's activity into the log and runs the bot's turn on it; resolves to the echoed id. */
  deliver: (activity: Partial<Activity>) => Promise<string>;
}

let inFlight = 0;

/**
 * POST /v3/directline/conversations/:id/upload — the one multipart route, as Web Chat's
 * upload button uses it (an `activity` part and one `file` part per attachment). The
 * caller's token has been checked before this runs. Every file is typed from its bytes
 * and must be a JPEG, PNG, HEIC photo or an MP4 video; one refused file refuses the
 * whole upload and nothing is stored (the bot says why in the chat).
 */
export async function handleUpload(req: Request, res: Response, h: UploadHelpers): Promise<void> {
  if (!/^multipart\/form-data/i.test(String(req.headers['content-type'] ?? ''))) {
    throw new HttpProblem(415, 'unsupported_media_type', 'an upload is multipart/form-data', { Connection: 'close' });
  }
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new HttpProblem(415, 'unsupported_encoding', 'send the upload uncompressed', { Connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? 0);
  const maxBody = UPLOAD_LIMITS.fileBytes * UPLOAD_LIMITS.filesPerRequest + 256 * 1024;
  if (declared > maxBody)
    throw new HttpProblem(
      413,
      'payload_too_large',
      `an upload is limited to ${UPLOAD_LIMITS.filesPerRequest} files of ${UPLOAD_LIMITS.fileBytes / 1_048_576} MB`,
      { Connection: 'close' },
    );
  const already = await h.media.count(h.conversationId);
  if (already >= UPLOAD_LIMITS.filesPerConversation) {
    await say(h, 'limit');
    throw new HttpProblem(413, 'too_many_files', `a conversation takes at most ${UPLOAD_LIMITS.filesPerConversation} files`, {
      Connection: 'close',
    });
  }
  if (inFlight >= UPLOAD_LIMITS.concurrent)
    throw new HttpProblem(503, 'busy', 'too many uploads at once; retry in a moment', { 'Retry-After': '2', Connection: 'close' });

  inFlight++;
  let parts: UploadedFile[];
  try {
    parts = await readMultipart(req, { fileBytes: UPLOAD_LIMITS.fileBytes, files: UPLOAD_LIMITS.filesPerRequest + 1 });
  } catch (err) {
    if (err instanceof UploadRefused) {
      if (err.status === 413) await say(h, 'tooLarge');
      throw new HttpProblem(err.status, err.code, err.message, { Connection: 'close' });
    }
    throw err;
  } finally {
    inFlight--;
  }

  const activityPart = parts.find((p) => p.field === 'activity');
  const files = parts.filter((p) => p !== activityPart);
  if (files.length === 0) throw new HttpProblem(400, 'no_files', 'the upload holds no file');
  if (files.length > UPLOAD_LIMITS.filesPerRequest)
    throw new HttpProblem(413, 'too_many_files', `at most ${UPLOAD_LIMITS.filesPerRequest} files at a time`);
  if (already + files.length > UPLOAD_LIMITS.filesPerConversation) {
    await say(h, 'limit');
    throw new HttpProblem(413, 'too_many_files', `a conversation takes at most ${UPLOAD_LIMITS.filesPerConversation} files`);
  }
  let template: z.infer<typeof templateActivity> = { type: 'message' };
  if (activityPart) {
    if (activityPart.bytes.length > 64 * 1024) throw new HttpProblem(413, 'payload_too_large', 'the activity part is limited to 64 KB');
    try {
      template = templateActivity.parse(JSON.parse(activityPart.bytes.toString('utf8')));
    } catch {
      throw new HttpProblem(400, 'invalid_activity', 'the activity part is not a valid message activity');
    }
  }

  // Type every file from its bytes before storing any of them.
  const inspected: { file: UploadedFile; info: Inspected }[] = [];
  for (const file of files) {
    try {
      inspected.push({ file, info: await inspectMedia(file.bytes, file.name) });
    } catch (err) {
      if (err instanceof UnsupportedMediaError) {
        await say(h, 'unsupported');
        throw new HttpProblem(415, 'unsupported_media_type', err.message);
      }
      throw err;
    }
  }
  const key = await h.store.signingKey(h.conversationId);
  if (!key) throw new NotFoundError('no such conversation');
  const refs: MediaRef[] = [];
  for (const { file, info } of inspected) refs.push(await h.media.put(h.conversationId, file.bytes, info, file.name));

  const id = await h.deliver({
    ...template,
    type: 'message',
    text: template.text ?? '',
    attachments: refs.map((r) => ({
      contentType: r.contentType,
      contentUrl: attachmentUrl(h.conversationId, key, r.id, 'full'),
      thumbnailUrl: r.hasThumbnail ? attachmentUrl(h.conversationId, key, r.id, 'thumbnail') : undefined,
      name: r.name,
    })),
    // What the bot may rely on: set here, by the server, never taken from the client.
    channelData: { ...(template.channelData ?? {}), media: refs.map((r) => ({ id: r.id, contentType: r.contentType, gps: r.gps })) },
  });
  res.send(200, { id });
}

/** Serves a conversation's attachment to its browser; the signature stands in for the token an <img> cannot send. */
export async function serveAttachment(
  req: Request,
  res: Response,
  h: Omit<UploadHelpers, 'deliver'>,
  mediaId: string,
  variant: 'full' | 'thumbnail',
): Promise<void> {
  const sig = String((req.query as { sig?: string } | undefined)?.sig ?? '');
  const key = await h.store.signingKey(h.conversationId);
  if (
    !key ||
    !/^[0-9a-f]{64}$/.test(mediaId) ||
    !verifySignature(key, mediaId, sig) ||
    !(await h.media.isLinked(h.conversationId, mediaId))
  ) {
    throw new NotFoundError('no such attachment');
  }
  const content = await h.media.content(mediaId, variant);
  if (!content) throw new NotFoundError('no such attachment');
  sendMedia(req, res, content);
}

/**
 * Media bytes with headers that keep a browser from reading them as anything else. A
 * `Range` request (a video player seeking, a phone resuming a download) gets 206 with
 * that one range (range-parser reads the header), a range past the end 416; several
 * ranges at once get the whole file (allowed by RFC 9110, and no player asks for them).
 * The bytes are content-addressed, so they never change under a range.
 */
export function sendMedia(req: Request, res: Response, content: { contentType: string; bytes: Buffer }): void {
  const size = content.bytes.length;
  const headers = {
    'Content-Type': content.contentType,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=86400, immutable',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Content-Disposition': 'inline',
  };
  const asked = req.headers.range;
  const ranges = typeof asked === 'string' ? parseRange(size, asked, { combine: true }) : -2;
  if (ranges === -1) {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
    const { start, end } = ranges[0]!;
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
    res.end(content.bytes.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': size });
  res.end(content.bytes);
}

/** The chat is told why an upload was refused (Web Chat itself only shows "Send failed"). */
const REFUSALS = {
  unsupported: '抱歉，只能接收照片（JPEG、PNG、HEIC）或 MP4 视频。 Sorry, I can only take photos (JPEG, PNG, HEIC) or MP4 videos.',
  tooLarge: `抱歉，文件太大（每个最多 ${UPLOAD_LIMITS.fileBytes / 1_048_576} MB）。 Sorry, that file is too large (at most ${UPLOAD_LIMITS.fileBytes / 1_048_576} MB each).`,
  limit: `抱歉，这次对话最多只能发送 ${UPLOAD_LIMITS.filesPerConversation} 个文件。 Sorry, a conversation takes at most ${UPLOAD_LIMITS.filesPerConversation} files.`,
} as const;

async function say(h: UploadHelpers, why: keyof typeof REFUSALS): Promise<void> {
  await h.store
    .append(h.conversationId, {
      type: 'message',
      text: REFUSALS[why],
      speak: REFUSALS[why],
      from: { id: 'bot', name: 'Fault triage assistant', role: 'bot' },
    })
    .catch(() => undefined);
}
