import { ActivityTypes, BotAdapter, TurnContext, type Activity, type ConversationReference, type ResourceResponse } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { TurnOutbox } from '../bot/turn-outbox.js';
import type { DirectLineStore } from './store.js';

/**
 * A Bot Framework adapter for the local Direct Line endpoint: incoming activities run
 * the bot in-process, and whatever the bot sends during the turn is appended to the
 * conversation's activity log in one transaction when the turn has succeeded (a client
 * polls the log; it sees the turn's replies together either way, and one commit per turn
 * instead of one per message is what keeps a durable store fast).
 */
export class DirectLineAdapter extends BotAdapter {
  constructor(private readonly store: DirectLineStore) {
    super();
    // First in the pipeline, so everything after it (and the bot) sends into the outbox.
    this.use(
      TurnOutbox.middleware(async (context, activities) => void (await this.store.appendAll(context.activity.conversation.id, activities))),
    );
  }

  async processActivity(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    const ref = TurnContext.getConversationReference(context.activity);
    const direct: Partial<Activity>[] = [];
    for (const activity of activities) {
      // A polling client would only see a typing indicator after the reply it announces.
      if (activity.type === 'delay' || activity.type === ActivityTypes.Typing || activity.type === ActivityTypes.InvokeResponse) {
        responses.push({ id: '' });
        continue;
      }
      const outgoing = TurnContext.applyConversationReference({ ...activity, id: randomUUID(), timestamp: new Date() }, ref);
      const outbox = TurnOutbox.of(context);
      if (outbox) outbox.add(outgoing);
      else direct.push(outgoing); // outside a turn: an error apology, a proactive message
      responses.push({ id: outgoing.id! });
    }
    if (direct.length > 0) await this.store.appendAll(ref.conversation!.id, direct);
    return responses;
  }

  async updateActivity(): Promise<void> {
    throw new Error('the local Direct Line channel does not support updating activities');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('the local Direct Line channel does not support deleting activities');
  }

  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    await this.processActivity(activity, logic);
  }
}
