import type { Activity, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { storableText } from '../storage/storable-text.js';
import { safeEqual } from '../http/auth.js';
import { UnauthorizedError, guarded } from '../http/http-errors.js';
import type { RateLimits } from '../http/rate-limit.js';
import { InvalidRequestError } from '../errors/domain-errors.js';
import type { DirectLineAdapter } from './adapter.js';
import { newActivityId, TOKEN_VALID_MS, type DirectLineStore } from './store.js';
import { streamTicket, streamUrl } from './stream.js';
import type { MediaStore } from '../media/store.js';
import { handleUpload, serveAttachment } from './upload.js';

const TOKEN_LIFETIME_S = TOKEN_VALID_MS / 1000;

/** What a Direct Line client may post: a user's message or event, nothing a channel sets. */
const incomingActivity = z
  .object({
    type: z.enum(['message', 'event', 'typing', 'conversationUpdate']),
    text: storableText().max(10_000, 'text is limited to 10 000 characters').optional(),
    name: storableText().max(200).optional(),
    value: z.unknown().optional(),
    locale: storableText().max(20).optional(),
    textFormat: z.string().max(20).optional(),
    from: z.object({ id: storableText().min(1).max(200), name: storableText().max(200).optional(), role: z.string().max(20).optional() }),
    channelData: z.record(z.unknown()).optional(),
    attachments: z.array(z.unknown()).max(0, 'attachments are not supported').optional(),
    entities: z.array(z.unknown()).max(20).optional(),
    timestamp: z.string().optional(),
    localTimestamp: z.string().optional(),
    localTimezone: z.string().optional(),
  })
  .passthrough();

const conversationParam = z.object({ id: storableText().min(1).max(200) });

export interface DirectLineDeps {
  store: DirectLineStore;
  adapter: DirectLineAdapter;
  logic: (context: TurnContext) => Promise<void>;
  /**
   * When set, only holders of this secret get tokens or open conversations (as with Azure's
   * Direct Line): the organisation's backend exchanges it for a token its page uses.
   */
  secret?: string;
  /** Photos and videos sent through the upload route. */
  media: MediaStore;
  /** For the per-address quota on new anonymous conversations (and the upload budget). */
  limits: RateLimits;
  log: Logger;
}

/**
 * A local Direct Line 3.0 service (the subset Web Chat and other clients use: tokens,
 * start/reconnect a conversation, post an activity, get activities after a
 * watermark), so the bot talks to browsers with no cloud service.
 */
export function registerDirectLine(server: Server, deps: DirectLineDeps): void {
  const { log } = deps;
  const turns = new Map<string, Promise<void>>();

  const { store, adapter, media } = deps;

  const bearer = (req: Request) => /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];

  const holdsSecret = (req: Request) => deps.secret !== undefined && safeEqual(bearer(req) ?? '', deps.secret);

  /** Checks the token for a conversation; the secret (if configured) opens any conversation. */
  const authorise = async (req: Request, store: DirectLineStore, conversationId: string) => {
    const token = bearer(req);
    if (!token) throw new UnauthorizedError('send the Direct Line token as "Authorization: Bearer <token>"');
    if (holdsSecret(req)) return { token, expiresInSeconds: TOKEN_LIFETIME_S };
    const session = await store.session(token);
    if (session?.conversationId !== conversationId) throw new UnauthorizedError('this token does not open that conversation');
    return { token, expiresInSeconds: session.expiresInSeconds };
  };

  /**
   * Every way to a new conversation goes through here. With a secret configured only its
   * holders get one (the organisation's backend, which hands tokens to its page); without,
   * anyone may, within a quota per address. Secret holders have no quota: it is one backend
   * asking for all its users.
   */
  const newConversation = async (req: Request, store: DirectLineStore) => {
    if (deps.secret) {
      if (!holdsSecret(req))
        throw new UnauthorizedError(
          'this deployment gives Direct Line tokens to holders of its secret only (its own backend); see the README',
        );
    } else {
      await deps.limits.check('conversations', req);
    }
    return store.create();
  };

  const handle = (fn: (req: Request, res: Response) => Promise<void>) => guarded(log, fn);

  /** Greets a new conversation once: the check runs in the conversation's turn queue, so two starts cannot both greet. */
  const startConversation = (store: DirectLineStore, adapter: DirectLineAdapter, conversationId: string, serviceUrl: string) =>
    runTurn(
      adapter,
      conversationId,
      { type: 'conversationUpdate', membersAdded: [{ id: 'user', name: 'user' }], from: { id: 'user', name: 'user', role: 'user' } },
      serviceUrl,
      () => store.isNew(conversationId),
    );

  /** One turn at a time per conversation on this instance: a conversation's state is updated in order. */
  const runTurn = (
    adapter: DirectLineAdapter,
    conversationId: string,
    activity: Partial<Activity>,
    serviceUrl: string,
    when: () => Promise<boolean> = async () => true,
  ) => {
    const previous = turns.get(conversationId) ?? Promise.resolve();
    const turn = previous.then(async () => {
      if (!(await when())) return;
      await adapter.processActivity(
        {
          ...activity,
          id: activity.id ?? newActivityId(),
          channelId: 'directline',
          serviceUrl,
          conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
          recipient: { id: 'bot', name: 'Fault triage assistant', role: 'bot' },
          timestamp: new Date(),
        },
        deps.logic,
      );
    });
    const settled = turn.catch(() => undefined);
    turns.set(conversationId, settled);
    void settled.then(() => turns.get(conversationId) === settled && turns.delete(conversationId));
    return turn;
  };

  const serviceUrlOf = (req: Request) => `http://${req.headers.host ?? 'localhost'}`;

  /**
   * A user's activity (a message, or an upload's): echoed into the conversation's log, as
   * Direct Line does so that clients can show it as sent, then the bot's turn on it.
   * Returns the echoed activity's id.
   */
  const echoAndRun = async (req: Request, id: string, activity: Partial<Activity>, from: NonNullable<Partial<Activity>['from']>) => {
    const echoed = await store.append(id, {
      ...activity,
      from,
      channelId: 'directline',
      conversation: { id, isGroup: false, conversationType: 'personal', name: '' },
      recipient: { id: 'bot', name: 'Fault triage assistant', role: 'bot' },
    });
    await runTurn(adapter, id, { ...activity, id: echoed.id, from }, serviceUrlOf(req));
    return echoed.id!;
  };

  /** The conversation's WebSocket (stream.ts), from the watermark on; the scheme follows the page's (wss behind TLS). */
  const streamOf = async (req: Request, store: DirectLineStore, conversationId: string, watermark?: number) => {
    const key = await store.streamKey(conversationId);
    if (!key) return undefined;
    const secure =
      req.isSecure() ||
      String(req.headers['x-forwarded-proto'] ?? '')
        .split(',')[0]
        ?.trim() === 'https';
    return streamUrl({ secure, host: req.headers.host ?? 'localhost' }, conversationId, streamTicket(key, conversationId), watermark);
  };

  // The /chat page's door (it holds no secret), and Direct Line's own.
  for (const path of ['/chat/token', '/v3/directline/tokens/generate']) {
    server.post(
      { path, body: 'none' },
      handle(async (req, res) => {
        const { conversationId, token, expiresInSeconds } = await newConversation(req, store);
        res.send(200, { conversationId, token, expires_in: expiresInSeconds });
      }),
    );
  }

  server.post(
    { path: '/v3/directline/tokens/refresh', body: 'none' },
    handle(async (req, res) => {
      const token = bearer(req);
      const refreshed = token ? await store.refresh(token) : undefined;
      if (!token || !refreshed) throw new UnauthorizedError('unknown or expired token');
      res.send(200, { conversationId: refreshed.conversationId, token, expires_in: refreshed.expiresInSeconds });
    }),
  );

  server.post(
    { path: '/v3/directline/conversations', body: 'none' },
    handle(async (req, res) => {
      const token = bearer(req);
      const session = token && !holdsSecret(req) ? await store.session(token) : undefined;
      let opened: { conversationId: string; token?: string; expiresInSeconds: number };
      if (session) {
        opened = { ...session, token };
      } else {
        // A token that opens nothing is refused; a secret, or no credential where none is needed, opens a new one.
        if (token && !holdsSecret(req)) throw new UnauthorizedError('unknown Direct Line token or secret');
        opened = await newConversation(req, store);
      }
      await startConversation(store, adapter, opened.conversationId, serviceUrlOf(req));
      res.send(201, {
        conversationId: opened.conversationId,
        token: opened.token,
        expires_in: opened.expiresInSeconds,
        streamUrl: await streamOf(req, store, opened.conversationId),
      });
    }),
  );

  server.get(
    '/v3/directline/conversations/:id',
    handle(async (req, res) => {
      const id = conversationParam.parse(req.params ?? {}).id;
      const { token, expiresInSeconds } = await authorise(req, store, id);
      // Reconnecting: the stream resumes after the client's watermark (none: the whole conversation).
      const w = (req.query as { watermark?: string } | undefined)?.watermark;
      const watermark = w && /^\d{1,12}$/.test(w) ? Number(w) : undefined;
      res.send(200, { conversationId: id, token, expires_in: expiresInSeconds, streamUrl: await streamOf(req, store, id, watermark) });
    }),
  );

  server.post(
    '/v3/directline/conversations/:id/activities',
    handle(async (req, res) => {
      const id = conversationParam.parse(req.params ?? {}).id;
      await authorise(req, store, id);
      const activity = incomingActivity.parse(req.body ?? {}) as Partial<Activity>;
      const from = { ...activity.from!, role: 'user' };
      if (activity.type === 'typing') {
        // Not kept nor echoed: the turn passes it on to a person holding the conversation, if any.
        const id2 = newActivityId();
        await runTurn(adapter, id, { ...activity, id: id2, from }, serviceUrlOf(req));
        res.send(200, { id: id2 });
        return;
      }
      res.send(200, { id: await echoAndRun(req, id, activity, from) });
    }),
  );

  // Web Chat's upload button: multipart, read only after the token is checked.
  server.post(
    { path: '/v3/directline/conversations/:id/upload', body: 'stream' },
    guarded(log, async (req, res) => {
      await deps.limits.check('upload', req);
      const id = String(req.params.id);
      await authorise(req, store, id);
      await handleUpload(req, res, {
        store,
        media,
        conversationId: id,
        deliver: async (activity) => {
          const from = {
            id: String(activity.from?.id ?? (req.query as { userId?: string } | undefined)?.userId ?? 'user').slice(0, 200),
            name: activity.from?.name ?? 'user',
            role: 'user',
          };
          return echoAndRun(req, id, activity, from);
        },
      });
    }),
  );

  for (const [path, variant] of [
    ['/v3/directline/conversations/:id/media/:mediaId', 'full'],
    ['/v3/directline/conversations/:id/media/:mediaId/thumbnail', 'thumbnail'],
  ] as const) {
    server.get(
      path,
      handle(async (req, res) => {
        await serveAttachment(req, res, { store, media, conversationId: String(req.params.id) }, String(req.params.mediaId), variant);
      }),
    );
  }

  server.get(
    '/v3/directline/conversations/:id/activities',
    handle(async (req, res) => {
      const id = conversationParam.parse(req.params ?? {}).id;
      await authorise(req, store, id);
      const watermark = Number((req.query as { watermark?: string } | undefined)?.watermark ?? 0);
      if (!Number.isInteger(watermark) || watermark < 0)
        throw new InvalidRequestError('watermark', 'watermark must be a non-negative integer');
      const page = await store.since(id, watermark);
      res.send(200, { activities: page.activities, watermark: String(page.watermark) });
    }),
  );
}
