import { ActivityTypes, type Activity, type Middleware, type TurnContext } from 'botbuilder';

const KEY = Symbol('turn-outbox');

/**
 * The replies of one turn, held back until the turn has finished and its state is saved.
 * Both adapters put what the bot sends here and deliver it in one go (the bot flushes it
 * right after the save; the middleware delivers whatever is left at the end): a turn that
 * fails, or that lost a race with another instance and runs again on fresh state, never
 * leaves a half or duplicate answer behind. Typing indicators and invoke responses are
 * not replies and go at once.
 */
export class TurnOutbox {
  private readonly items: Partial<Activity>[] = [];
  /** How many of the items are delivered already (flush). */
  private delivered = 0;

  private constructor(private readonly deliver: (context: TurnContext, activities: Partial<Activity>[]) => Promise<void>) {}

  static of(context: TurnContext): TurnOutbox | undefined {
    return context.turnState.get(KEY) as TurnOutbox | undefined;
  }

  /** True for what must not wait for the end of the turn. */
  static immediate(activity: Partial<Activity>): boolean {
    return activity.type === ActivityTypes.Typing || activity.type === ActivityTypes.InvokeResponse;
  }

  add(activity: Partial<Activity>): void {
    this.items.push(activity);
  }

  /** A point to return to if the work after it is thrown away. */
  mark(): number {
    return this.items.length;
  }

  rollback(mark: number): void {
    this.items.length = Math.max(this.delivered, Math.min(mark, this.items.length));
  }

  /** Everything the turn sends (or sent) if it succeeds; a re-run's taken-back replies are not here. */
  replies(): readonly Partial<Activity>[] {
    return this.items;
  }

  /**
   * Delivers what is held now, once the turn's state is saved: replies go out in the order
   * the conversation's saves happened, even when the next turn (on another instance) starts
   * from that save before this turn's remaining middleware has finished.
   */
  async flush(context: TurnContext): Promise<void> {
    const pending = this.items.slice(this.delivered);
    this.delivered = this.items.length;
    if (pending.length > 0) await this.deliver(context, pending);
  }

  /**
   * Middleware that opens an outbox for the turn and, if the turn succeeds, hands its
   * replies not flushed yet to `deliver`. A failed turn's replies are dropped; what the
   * error handler says afterwards is sent directly (the outbox is closed by then).
   */
  static middleware(deliver: (context: TurnContext, activities: Partial<Activity>[]) => Promise<void>): Middleware {
    return {
      async onTurn(context, next) {
        const box = new TurnOutbox(deliver);
        context.turnState.set(KEY, box);
        let ok = false;
        try {
          await next();
          ok = true;
        } finally {
          context.turnState.delete(KEY);
        }
        if (ok) await box.flush(context);
      },
    };
  }
}
