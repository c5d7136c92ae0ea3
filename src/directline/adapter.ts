import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { DirectLineStore } from './store.js';

/**
 * A Bot Framework adapter for the local Direct Line endpoint: incoming activities run
 * the bot in-process, and whatever the bot sends is appended to the conversation's
 * activity log, where Direct Line clients (Web Chat) poll for it.
 */
export class DirectLineAdapter extends BotAdapter {
  constructor(private readonly store: DirectLineStore) {
    super();
  }

  async processActivity(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, activity);
    await this.runMiddleware(context, logic);
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        await new Promise((r) => setTimeout(r, Math.min(Number(activity.value ?? 0), 5000)));
        responses.push({ id: '' });
        continue;
      }
      if (activity.type === ActivityTypes.InvokeResponse) {
        responses.push({ id: '' });
        continue;
      }
      const ref = TurnContext.getConversationReference(context.activity);
      const outgoing = TurnContext.applyConversationReference({ ...activity }, ref);
      const stored = await this.store.append(ref.conversation!.id, outgoing);
      responses.push({ id: stored.id! });
    }
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
