import { ActivityTypes, type Activity, type Middleware, type TurnContext } from 'botbuilder';

const KEY = Symbol('turn-outbox');

/**
 * The replies of one turn, held back until the turn has finished and its state is saved.
 * Both adapters put what the bot sends here and deliver it in one go at the end: a turn
 * that fails, or that lost a race with another instance and runs again on fresh state,
 * never leaves a half or duplicate answer behind. Typing indicators and invoke responses
 * are not replies and go at once.
 */
export class TurnOutbox {
  private readonly items: Partial<Activity>[] = [];

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
    this.items.length = Math.min(mark, this.items.length);
  }

  /** What the turn will deliver if it succeeds (a re-run's taken-back replies are not here). */
  pending(): readonly Partial<Activity>[] {
    return this.items;
  }

  /**
   * Middleware that opens an outbox for the turn and, if the turn succeeds, hands its
   * replies to `deliver`. A failed turn's replies are dropped; what the error handler says
   * afterwards is sent directly (the outbox is closed by then).
   */
  static middleware(deliver: (context: TurnContext, activities: Partial<Activity>[]) => Promise<void>): Middleware {
    return {
      async onTurn(context, next) {
        const box = new TurnOutbox();
        context.turnState.set(KEY, box);
        let ok = false;
        try {
          await next();
          ok = true;
        } finally {
          context.turnState.delete(KEY);
        }
        if (ok && box.items.length > 0) await deliver(context, box.items);
      },
    };
  }
}
