import type { Activity, TurnContext } from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import type { Logger } from 'pino';
import type { Request, Server } from 'restify';
import { z } from 'zod';
import type { DirectLineStore } from '../directline/store.js';
import { guarded, HttpProblem } from '../http/http-errors.js';
import { storableText } from '../storage/storable-text.js';
import type { ChannelAdapter } from './channel-adapter.js';
import { isLoopbackAddress, type ServiceUrlPolicy } from './service-urls.js';

/** The least an incoming Bot Framework activity must carry for the adapter to answer it. */
const activityShape = z
  .object({
    type: z.string().min(1).max(100),
    channelId: storableText().max(100).optional(),
    serviceUrl: z.string().url().max(2000),
    conversation: z.object({ id: storableText().min(1).max(1000) }).passthrough(),
    from: z
      .object({ id: storableText().min(1).max(1000) })
      .passthrough()
      .optional(),
    recipient: z
      .object({ id: z.string().min(1).max(1000) })
      .passthrough()
      .optional(),
    text: storableText().max(10_000).optional(),
  })
  .passthrough();

/** /api/messages: Bot Framework channels through CloudAdapter (browsers use the local Direct Line). */
export function registerBotRoutes(
  server: Server,
  deps: {
    adapter: ChannelAdapter;
    logic: (context: TurnContext) => Promise<void>;
    /** Whether Bot Framework credentials are configured (otherwise the endpoint serves the machine itself only). */
    authenticated: boolean;
    serviceUrls: ServiceUrlPolicy;
    directLine: DirectLineStore;
    clientAddress: (req: Request) => string;
    log: Logger;
  },
): void {
  const { adapter, serviceUrls, log } = deps;
  server.post(
    '/api/messages',
    guarded(log, async (req, res) => {
      if (!deps.authenticated && !isLoopbackAddress(deps.clientAddress(req))) {
        throw new HttpProblem(403, 'local_only', 'without Bot Framework credentials this endpoint serves the machine itself only');
      }
      // The adapter answers a malformed activity with a 500; shape errors are the sender's: 400.
      const activity = activityShape.parse(req.body) as unknown as Activity;
      // With credentials the framework's token validation decides first; without, it lets the local caller through.
      const identity = await adapter.authenticate(activity, req.header('authorization') ?? '').catch((err: unknown) => {
        if (err instanceof AuthenticationError)
          throw new HttpProblem(401, 'unauthorized', 'the Bot Framework token was not accepted', { 'WWW-Authenticate': 'Bearer' });
        throw new HttpProblem(503, 'bot_framework_unavailable', 'the Bot Framework could not check the token; retry later', {
          'Retry-After': '5',
        });
      });
      if (!serviceUrls.allows(activity.serviceUrl))
        throw new HttpProblem(403, 'service_url_not_allowed', 'the activity names a serviceUrl this bot does not reply to');
      // A conversation stays on the channel it was created on: the local Direct Line's ids are refused here.
      if (await deps.directLine.exists(activity.conversation.id)) {
        throw new HttpProblem(403, 'conversation_bound', 'this conversation belongs to another channel');
      }
      const invoke = await adapter.runAuthenticated(identity, activity, deps.logic);
      res.send(invoke?.status ?? 200, invoke?.body);
    }),
  );
}
