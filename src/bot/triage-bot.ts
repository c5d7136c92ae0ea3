import { ActivityHandler, ActivityTypes, SetSpeakMiddleware, type ConversationState, type TurnContext } from 'botbuilder';
import { DialogSet, type DialogState } from 'botbuilder-dialogs';
import type { TriageDeps } from '../../dialogs/deps.js';
import { MainDialog } from '../../dialogs/main-dialog.js';
import { t } from '../../dialogs/messages.js';
import { say } from '../../dialogs/say.js';
import { remember, session } from '../../dialogs/session.js';
import { conversationLanguage } from '../conversation/language.js';
import { beginTriage, setTriage, triageOf, triageStampMiddleware } from '../conversation/triage-state.js';
import type { TurnHandler } from '../conversation/turn-handler.js';
import { DEFAULT_VOICE, settleInputHints, spokenText, ssml, voiceLocale } from '../conversation/voice.js';
import { StateConflictError } from './db-storage.js';
import { TurnOutbox } from './turn-outbox.js';

/** Runs of one turn before a conflict with other turns is given up (the user is asked to wait). */
const MAX_ATTEMPTS = 4;
const TRANSCRIBED = Symbol('transcribed');

/** Longest message the dialogs look at; anything longer is cut (and the user told so). */
const MAX_TEXT = 10_000;

/**
 * The bot: greets new users, keeps the conversation's language and transcript, hands
 * every message to the turn level (danger first, commands, the lifecycle; the dialogs
 * for a flow under way), and saves state at the end of every turn (in the shared
 * database, so a restart or another instance continues where this one stopped).
 */
export class TriageBot extends ActivityHandler {
  private readonly dialogs: DialogSet;

  constructor(
    private readonly conversationState: ConversationState,
    deps: Omit<TriageDeps, 'session'>,
    turns: TurnHandler,
    private readonly onStateConflict: (result: 'rerun' | 'given-up') => void = () => undefined,
    voiceName: string = DEFAULT_VOICE,
  ) {
    super();
    const accessor = conversationState.createProperty<DialogState>('dialogState');
    this.dialogs = new DialogSet(accessor);
    const sessionAccessor = conversationState.createProperty('triage') as TriageDeps['session'];
    const fullDeps: TriageDeps = { ...deps, session: sessionAccessor };
    this.dialogs.add(new MainDialog(fullDeps));

    this.onMembersAdded(async (ctx, next) => {
      const newcomers = (ctx.activity.membersAdded ?? []).filter((m) => m.id !== ctx.activity.recipient.id);
      if (newcomers.length > 0) {
        setTriage(ctx, { state: 'greeting' });
        await say(ctx, `${t('zh', 'greeting')}\n\n${t('en', 'greeting')}`);
      }
      await next();
    });

    this.onMessage(async (ctx, next) => {
      const s = await session(sessionAccessor, ctx);
      const raw = typeof ctx.activity.text === 'string' ? ctx.activity.text : '';
      const text = raw.slice(0, MAX_TEXT);
      ctx.activity.text = text;
      // The channel's locale first, then the description turns; slot answers never switch it.
      const spoke = s.transcript.some((l) => l.from === 'user');
      s.lang = conversationLanguage(text, { lang: spoke ? s.lang : undefined, openState: s.lastState, locale: ctx.activity.locale });
      // Where the last turn left the conversation; this turn declares its own state as it goes.
      beginTriage(ctx, { state: s.lastState ?? 'greeting', lang: s.lang, productLine: s.productLine, faultId: s.faultId });
      remember(s, 'user', text);
      const dc = await this.dialogs.createContext(ctx);
      // A photo with no words: thanked for, then the open question is asked again.
      if (await deps.site.handle(ctx, s.lang)) {
        if (dc.activeDialog) await dc.repromptDialog();
        return next();
      }
      await turns.message(ctx, s, dc, text);
      // Which question is open now, for the next turn (language policy, lifecycle).
      const info = triageOf(ctx);
      if (info) s.lastState = info.state;
      await next();
    });

    // "Share my location" in /chat: the position goes on the ticket; the open question is asked again.
    this.onEvent(async (ctx, next) => {
      const s = await session(sessionAccessor, ctx);
      if (await deps.site.handle(ctx, s.lang)) {
        const dc = await this.dialogs.createContext(ctx);
        if (dc.activeDialog) await dc.repromptDialog();
      }
      await next();
    });

    // The machine, fault and language the conversation knows when each reply goes out
    // (the dialogs learn them mid-turn), then channelData.triage on every reply.
    this.onTurn(async (ctx, next) => {
      ctx.onSendActivities(async (turn, _activities, send) => {
        if (turn.activity.type === ActivityTypes.Message) {
          const s = await session(sessionAccessor, turn);
          setTriage(turn, { lang: s.lang, productLine: s.productLine, faultId: s.faultId });
        }
        return send();
      });
      await next();
    });
    this.onTurn(async (ctx, next) => triageStampMiddleware.onTurn(ctx, next));

    // Ready for the phone: the words to speak (no Markdown, choices said with their keypad
    // numbers) in the conversation's locale, an inputHint on every reply, then SSML —
    // botbuilder's SetSpeakMiddleware with a voice on voice channels, a <speak> element elsewhere.
    this.onTurn(async (ctx, next) => {
      ctx.onSendActivities(async (turn, activities, send) => {
        const s = await session(sessionAccessor, turn);
        for (const a of activities) {
          if (a.type !== ActivityTypes.Message) {
            if (a.type === ActivityTypes.Event) a.inputHint ??= 'ignoringInput';
            continue;
          }
          a.locale = voiceLocale(s.lang);
          a.inputHint ??= 'acceptingInput';
          if (!a.speak || a.speak === a.text) a.speak = spokenText(a, s.lang);
        }
        return send();
      });
      await next();
    });
    const speak = new SetSpeakMiddleware(voiceName, true);
    this.onTurn(async (ctx, next) => speak.onTurn(ctx, next));
    this.onTurn(async (ctx, next) => {
      ctx.onSendActivities(async (_turn, activities, send) => {
        for (const a of activities) if (a.type === ActivityTypes.Message && a.speak) a.speak = ssml(a.speak, a.locale ?? 'en-US');
        return send();
      });
      await next();
    });

    this.onTurn(async (ctx, next) => {
      // Once per turn, however often it runs (a re-run after a conflict keeps this hook).
      if (ctx.turnState.get(TRANSCRIBED)) return next();
      ctx.turnState.set(TRANSCRIBED, true);
      // Every reply is kept in the transcript handed to a person on handoff.
      ctx.onSendActivities(async (turn, activities, send) => {
        const s = await session(sessionAccessor, turn);
        for (const a of activities) if (a.type === ActivityTypes.Message && a.text) remember(s, 'bot', a.text);
        return send();
      });
      await next();
    });
  }

  /**
   * One turn, saved conditionally (src/bot/db-storage.ts). When another turn of the same
   * conversation saved first — a double send, two instances — this turn's replies are
   * taken back from the outbox and it runs again on the fresh state, so both messages are
   * answered in order and neither update is lost. After MAX_ATTEMPTS the conflict goes to
   * the turn-error handler, which asks the user to wait a moment.
   */
  override async run(context: TurnContext): Promise<void> {
    const outbox = TurnOutbox.of(context);
    const mark = outbox?.mark() ?? 0;
    // What the adapter and middleware put in the turn's state; a re-run starts from just that.
    const before = new Set(context.turnState.keys());
    for (let attempt = 1; ; attempt++) {
      try {
        await super.run(context);
        await this.conversationState.saveChanges(context, false);
        // All of the turn's replies are known now: only the last one invites an answer.
        if (outbox) settleInputHints(outbox.replies().slice(mark));
        await outbox?.flush(context);
        return;
      } catch (err) {
        if (!(err instanceof StateConflictError)) throw err;
        if (attempt >= MAX_ATTEMPTS || !outbox) {
          this.onStateConflict('given-up');
          throw err;
        }
        this.onStateConflict('rerun');
        outbox.rollback(mark);
        for (const key of [...context.turnState.keys()]) if (!before.has(key) && key !== TRANSCRIBED) context.turnState.delete(key);
        await this.conversationState.load(context, true);
      }
    }
  }
}
