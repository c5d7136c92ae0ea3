import { CloudAdapter, type Activity, type ResourceResponse, type TurnContext } from 'botbuilder';
import {
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Logger } from 'pino';
import { TurnOutbox } from '../bot/turn-outbox.js';
import type { ServiceUrlPolicy } from './service-urls.js';

/** How long one outbound call to a channel may take, retries included. */
export const OUTBOUND_DEADLINE_MS = 10_000;
/** How long one attempt may wait for the channel to start answering. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/** The bot tried to send to a serviceUrl the allow-list does not hold; nothing was sent. */
export class ServiceUrlNotAllowedError extends Error {
  override name = 'ServiceUrlNotAllowedError';
}

/** The channel could not be reached, failed or was too slow: the replies are lost, the process is not. */
export class ChannelSendError extends Error {
  override name = 'ChannelSendError';
}

interface PipelineRequestLike {
  url: string;
  timeout: number;
  abortSignal?: AbortSignal;
}
interface PipelineLike {
  addPolicy(policy: {
    name: string;
    sendRequest(request: PipelineRequestLike, next: (r: PipelineRequestLike) => Promise<unknown>): Promise<unknown>;
  }): void;
  removePolicy(options: { name: string }): unknown;
}

/**
 * Every ConnectorClient the adapter creates (one per turn, for the activity's serviceUrl)
 * goes through here: a serviceUrl outside the allow-list gets no client at all, and the
 * client's HTTP pipeline is changed so that every request is checked again, has a
 * per-attempt timeout and an overall deadline, and follows no redirect (a redirect could
 * lead anywhere). The connector's own retry policy stays, bounded by the deadline.
 */
class GuardedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly policy: ServiceUrlPolicy,
  ) {
    super();
  }

  override async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    if (!this.policy.allows(serviceUrl)) throw new ServiceUrlNotAllowedError('the activity names a serviceUrl that is not allowed');
    const client = await this.inner.create(serviceUrl, audience);
    const pipeline = (client as unknown as { client?: { pipeline?: PipelineLike } }).client?.pipeline;
    // Fail closed if a botframework-connector upgrade moves the pipeline.
    if (!pipeline) throw new Error('botframework-connector: no HTTP pipeline to guard; refusing to send unguarded');
    pipeline.removePolicy({ name: 'redirectPolicy' });
    const policy = this.policy;
    pipeline.addPolicy({
      name: 'triageOutboundGuard',
      async sendRequest(request, next) {
        if (!policy.allows(request.url)) throw new ServiceUrlNotAllowedError('refusing to call a host that is not allowed');
        request.timeout = ATTEMPT_TIMEOUT_MS;
        const deadline = AbortSignal.timeout(OUTBOUND_DEADLINE_MS);
        request.abortSignal = request.abortSignal ? AbortSignal.any([request.abortSignal, deadline]) : deadline;
        return next(request);
      },
    });
    return client;
  }
}

/** The framework's authentication, with every connector it hands out guarded. */
class GuardedAuthentication extends BotFrameworkAuthentication {
  constructor(
    private readonly inner: BotFrameworkAuthentication,
    private readonly policy: ServiceUrlPolicy,
  ) {
    super();
  }

  private guard(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return { ...result, connectorFactory: result.connectorFactory && new GuardedConnectorFactory(result.connectorFactory, this.policy) };
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.guard(await this.inner.authenticateRequest(activity, authHeader));
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.guard(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new GuardedConnectorFactory(this.inner.createConnectorFactory(claimsIdentity), this.policy);
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.inner.createUserTokenClient(claimsIdentity);
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }
}

/**
 * CloudAdapter for Bot Framework channels (/api/messages), hardened: outbound calls only to
 * allowed serviceUrls, with timeouts; a turn's replies held in its outbox and sent when the
 * turn has succeeded; typing indicators best effort (a failed one is logged, never turned
 * into a turn error — the framework's ShowTypingMiddleware would call onTurnError from a
 * timer); a failure to deliver becomes a ChannelSendError.
 */
export class ChannelAdapter extends CloudAdapter {
  constructor(
    auth: BotFrameworkAuthentication,
    policy: ServiceUrlPolicy,
    private readonly log: Logger,
  ) {
    super(new GuardedAuthentication(auth, policy));
    this.use(TurnOutbox.middleware((context, activities) => this.deliver(context, activities)));
  }

  /** The framework's check of the caller's token (a local caller passes when no credentials are configured). */
  authenticate(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
  }

  /** Runs the turn of an activity whose caller `authenticate` has accepted; returns an invoke response if any. */
  runAuthenticated(identity: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(identity, activity, logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const outbox = TurnOutbox.of(context);
    if (outbox && !activities.some(TurnOutbox.immediate)) {
      for (const a of activities) outbox.add(a);
      return activities.map(() => ({ id: '' }));
    }
    if (activities.every((a) => a.type === 'typing')) {
      return super.sendActivities(context, activities).catch((err: unknown) => {
        this.log.debug({ err: (err as Error).message }, 'typing indicator not delivered');
        return activities.map(() => ({ id: '' }));
      });
    }
    return this.deliver(context, activities).then(() => activities.map(() => ({ id: '' })));
  }

  private async deliver(context: TurnContext, activities: Partial<Activity>[]): Promise<void> {
    try {
      await super.sendActivities(context, activities);
    } catch (err) {
      throw new ChannelSendError('the channel did not take the replies', { cause: err });
    }
  }
}
