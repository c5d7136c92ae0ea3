import type { Lang } from '../language/languages.js';
import { MessageFactory, type ConversationState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { MediaRef, MediaStore } from '../media/store.js';
import type { Actor } from '../tickets/actor.js';
import type { Ticket } from '../tickets/model.js';
import type { TicketService } from '../tickets/service.js';

/** Web Chat's "share my location" sends this event (browser geolocation). */
export const LOCATION_EVENT = 'location';
const locationValue = z
  .object({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    /** Metres, as the browser reports it. */
    accuracy: z.number().min(0).max(100_000).optional(),
  })
  .passthrough();

interface SiteState {
  location?: { lat: number; lon: number; accuracy?: number; source: 'browser' | 'photo'; at: string };
  /** The ticket this conversation opened last: later photos and positions go onto it. */
  ticketId?: string;
}

const TEXT = {
  en: {
    photo: (n: number, gps: boolean) =>
      `Thank you, I have your ${n === 1 ? 'photo' : `${n} files`}${gps ? ' and the position it was taken at' : ''}. ${n === 1 ? 'It goes' : 'They go'} with the ticket to the technician.`,
    photoOnTicket: (n: number, number: string) => `Thank you, I have added ${n === 1 ? 'the photo' : `${n} files`} to ticket ${number}.`,
    location: (lat: number, lon: number, acc?: number) =>
      `Thank you, I have your position (${lat.toFixed(5)}, ${lon.toFixed(5)}${acc ? `, within about ${Math.round(acc)} m` : ''}); the technician can navigate there.`,
    locationOnTicket: (number: string) => `Thank you, the position is on ticket ${number}; the technician can navigate there.`,
    badLocation: 'Sorry, I could not read that position. Please try again, or describe the site.',
  },
  zh: {
    photo: (n: number, gps: boolean) =>
      `谢谢，已收到${n === 1 ? '照片' : ` ${n} 个文件`}${gps ? '及拍摄位置' : ''}，会随工单一起交给技术员。`,
    photoOnTicket: (n: number, number: string) => `谢谢，已把${n === 1 ? '照片' : ` ${n} 个文件`}加到工单 ${number}。`,
    location: (lat: number, lon: number, acc?: number) =>
      `谢谢，已收到您的位置（${lat.toFixed(5)}, ${lon.toFixed(5)}${acc ? `，误差约 ${Math.round(acc)} 米` : ''}），技术员可以导航过去。`,
    locationOnTicket: (number: string) => `谢谢，位置已加到工单 ${number}，技术员可以导航过去。`,
    badLocation: '抱歉，没能读取这个位置。请再试一次，或描述一下现场。',
  },
} as const;

const BOT: Actor = { role: 'bot', label: 'bot' };

/**
 * What an operator sends from the site besides words: photos and videos (through the
 * Direct Line upload route, which stored them and linked them to the conversation) and
 * their position (a `location` event from /chat, or a photo's EXIF GPS). The bot thanks
 * them, keeps the position for the ticket's site coordinates, and attaches the media to
 * the ticket it opens — or to the ticket already opened in this conversation.
 */
export class SiteInputs {
  private readonly state: StatePropertyAccessor<SiteState>;

  constructor(
    conversationState: ConversationState,
    private readonly media: MediaStore,
    private readonly tickets: TicketService,
  ) {
    this.state = conversationState.createProperty<SiteState>('site');
  }

  /**
   * Handles a message's attachments or a location event. Returns true when the activity
   * carried nothing else for the dialogs (the caller re-asks the open question).
   */
  async handle(ctx: TurnContext, lang: Lang): Promise<boolean> {
    const a = ctx.activity;
    if (a.type === 'event' && a.name === LOCATION_EVENT) {
      await this.location(ctx, lang);
      return true;
    }
    if (a.type !== 'message' || !a.attachments?.length) return false;
    await this.photos(ctx, lang);
    return !(a.text ?? '').trim();
  }

  private async photos(ctx: TurnContext, lang: Lang): Promise<void> {
    const conversationId = ctx.activity.conversation.id;
    // The upload route names the stored items; only those linked to this conversation count.
    const named = new Set(((ctx.activity.channelData as { media?: { id?: unknown }[] } | undefined)?.media ?? []).map((m) => String(m.id)));
    const mine = (await this.media.linked(conversationId)).filter((m) => named.has(m.id));
    if (mine.length === 0) return;
    const s = await this.state.get(ctx, {});
    const gps = [...mine].reverse().find((m) => m.gps)?.gps;
    if (gps && s.location?.source !== 'browser') s.location = { ...gps, source: 'photo', at: new Date().toISOString() };
    if (s.ticketId) {
      const t = await this.tickets.attachMedia(s.ticketId, mine.map(ref), 'operator', BOT);
      if (gps) await this.fillCoordinates(t, gps);
      await ctx.sendActivity(say(TEXT[lang].photoOnTicket(mine.length, t.number)));
      return;
    }
    await ctx.sendActivity(say(TEXT[lang].photo(mine.length, gps !== undefined)));
  }

  private async location(ctx: TurnContext, lang: Lang): Promise<void> {
    const parsed = locationValue.safeParse(ctx.activity.value);
    if (!parsed.success) {
      await ctx.sendActivity(say(TEXT[lang].badLocation));
      return;
    }
    const { lat, lon, accuracy } = parsed.data;
    const s = await this.state.get(ctx, {});
    s.location = { lat, lon, accuracy, source: 'browser', at: new Date().toISOString() };
    if (s.ticketId) {
      const t = await this.tickets.get(s.ticketId, BOT);
      await this.fillCoordinates(t, { lat, lon }, true);
      await ctx.sendActivity(say(TEXT[lang].locationOnTicket(t.number)));
      return;
    }
    await ctx.sendActivity(say(TEXT[lang].location(lat, lon, accuracy)));
  }

  /** The site coordinates for a ticket this conversation is about to open (shared position first, else a photo's). */
  async coordinates(ctx: TurnContext): Promise<{ lat: number; lon: number } | undefined> {
    const loc = (await this.state.get(ctx, {})).location;
    return loc ? { lat: loc.lat, lon: loc.lon } : undefined;
  }

  /** The ticket this conversation opened last (its id), if any. */
  async ticketOf(ctx: TurnContext): Promise<string | undefined> {
    return (await this.state.get(ctx, {})).ticketId;
  }

  /** After the bot opened a ticket: the conversation's photos go onto it, and later ones follow. */
  async opened(ctx: TurnContext, ticket: Ticket): Promise<void> {
    const s = await this.state.get(ctx, {});
    s.ticketId = ticket.id;
    const items = await this.media.linked(ctx.activity.conversation.id);
    if (items.length > 0) await this.tickets.attachMedia(ticket.id, items.map(ref), 'operator', BOT);
  }

  private async fillCoordinates(t: Ticket, at: { lat: number; lon: number }, replace = false): Promise<void> {
    const site = t.customer.site;
    if (!replace && site.lat !== undefined && site.lon !== undefined) return;
    await this.tickets.setSiteCoordinates(t.id, at, BOT);
  }
}

const ref = (m: MediaRef) => ({
  id: m.id,
  contentType: m.contentType,
  name: m.name,
  size: m.size,
  hasThumbnail: m.hasThumbnail,
  gps: m.gps,
  at: m.at,
});
const say = (text: string) => MessageFactory.text(text, text);
