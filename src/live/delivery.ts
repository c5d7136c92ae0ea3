import { randomUUID } from 'node:crypto';
import { ActivityTypes, TurnContext, type Activity, type CloudAdapter } from 'botbuilder';
import type { Logger } from 'pino';
import { directLineTopic, type DirectLineHint } from '../directline/stream.js';
import type { DirectLineStore } from '../directline/store.js';
import type { Bus } from './bus.js';
import type { ConversationDirectory, KnownConversation } from './conversations.js';

/** Who a proactive message is from, as the operator's client shows it. */
export interface Sender {
  id: string;
  name: string;
}

export type DeliveryResult = 'sent' | 'unknown-conversation' | 'failed';

/**
 * The one proactive mechanism, for every channel: messages that do not answer a turn —
 * an agent's reply, "a person has joined", a ticket update, "nobody is free yet" — are
 * sent into the conversation by its kept reference.
 *
 * - Channels that come through /api/messages (Teams, telephony, the Emulator …): the
 *   adapter's continueConversationAsync, so the hardened connector applies (allow-listed
 *   serviceUrls, outbound timeouts, no redirects) and the message leaves with the bot's
 *   own credentials.
 * - The local Direct Line: appended to the conversation's activity log, which every
 *   instance reads; the append's bus hint pushes it to the operator's WebSocket wherever
 *   it is held, and polling clients find it at their next GET.
 */
export class Delivery {
  constructor(
    private readonly deps: {
      directory: ConversationDirectory;
      channel: CloudAdapter;
      /** MicrosoftAppId ('' in local development without credentials). */
      appId: string;
      directLine: () => DirectLineStore | undefined;
      bus: Bus;
      log: Logger;
    },
  ) {}

  /** Sends messages (text, or whole activities) into the conversation. Never throws: the result says what happened. */
  async send(conversationId: string, messages: (string | Partial<Activity>)[], from?: Sender): Promise<DeliveryResult> {
    const known = await this.deps.directory.get(conversationId).catch(() => undefined);
    if (!known) return 'unknown-conversation';
    const activities = messages.map((m) => (typeof m === 'string' ? { type: ActivityTypes.Message, text: m, speak: m } : m));
    try {
      if (known.channelId === 'directline') await this.toDirectLine(known, activities, from);
      else await this.toChannel(known, activities);
      return 'sent';
    } catch (err) {
      this.deps.log.warn(
        { err: (err as Error).message, channel: known.channelId, conversation: conversationId },
        'proactive message not delivered',
      );
      return 'failed';
    }
  }

  /** A typing indicator into the conversation (best effort, never stored). */
  async typing(conversationId: string, from?: Sender): Promise<void> {
    const known = await this.deps.directory.get(conversationId).catch(() => undefined);
    if (!known) return;
    try {
      if (known.channelId === 'directline') {
        const activity = this.directLineActivity(known, { type: ActivityTypes.Typing }, from);
        await this.deps.bus.publish(directLineTopic(conversationId), {
          kind: 'typing',
          activity: JSON.parse(JSON.stringify(activity)),
        } satisfies DirectLineHint);
      } else {
        await this.toChannel(known, [{ type: ActivityTypes.Typing }]);
      }
    } catch (err) {
      this.deps.log.debug({ err: (err as Error).message }, 'typing indicator not delivered');
    }
  }

  private directLineActivity(known: KnownConversation, activity: Partial<Activity>, from?: Sender): Partial<Activity> {
    const ref = known.reference;
    return {
      ...TurnContext.applyConversationReference({ ...activity }, ref, false),
      id: randomUUID(),
      timestamp: new Date(),
      // An agent writes as themselves; the bot's notices come from the bot.
      from: from ? { id: from.id, name: from.name, role: 'bot' } : ref.bot,
    };
  }

  private async toDirectLine(known: KnownConversation, activities: Partial<Activity>[], from?: Sender): Promise<void> {
    const store = this.deps.directLine();
    if (!store) throw new Error('the local Direct Line is not open yet');
    await store.appendAll(
      known.conversationId,
      activities.map((a) => this.directLineActivity(known, a, from)),
    );
  }

  private async toChannel(known: KnownConversation, activities: Partial<Activity>[]): Promise<void> {
    await this.deps.channel.continueConversationAsync(this.deps.appId, known.reference, async (context) => {
      await context.sendActivities(activities);
    });
  }
}
