import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { TicketView, TranscriptResponse } from '../src/api/responses.js';
import { UPLOAD_LIMITS } from '../src/directline/upload.js';
import { screenshot, until } from './support/browser.js';
import { serverAndBrowser } from './support/browser-suite.js';
import { api, KEYS } from './support/server.js';
import { BOT_BUBBLES, botTexts } from './support/webchat.js';

/**
 * Photos and the position from the site: Web Chat's own upload button in Chromium (a
 * phone-sized window) sends a photo through the Direct Line upload route; its EXIF GPS
 * and the photo reach the ticket the conversation opens; staff fetch it by role; a file
 * that is not a photo, renamed .jpg, is refused; "share my location" fills the site.
 */

const TIMEOUT = 150_000;

/** Picks files with Web Chat's upload button (its file input) and presses its Send button, as a person does. */
async function pickAndSend(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const uploaded = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/upload?'), { timeout: 20_000 });
  await page.locator('#webchat input[type="file"]').setInputFiles(file);
  // The file joins the send box once Web Chat has read it (and tried a thumbnail); Send is pressed until it goes.
  const send = page.getByRole('button', { name: /^send$/i });
  let sent = false;
  void uploaded.then(
    () => (sent = true),
    () => undefined,
  );
  for (let i = 0; i < 20 && !sent; i++) {
    await send.click();
    await new Promise((r) => setTimeout(r, 500));
  }
  await uploaded;
}

/** A real JPEG with the GPS position a phone camera writes (People's Square, Shanghai). */
async function photoWithGps(colour = { r: 200, g: 120, b: 40 }): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: colour } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'SiteCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 13/1 4860/100', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 2532/100' },
    })
    .toBuffer();
}

interface Chat {
  conversationId: string;
  token: string;
}

/** The Direct Line conversation a page opened (read from its /chat/token answer). */
function captureChat(page: Page): Promise<Chat> {
  return new Promise((resolve) => {
    page.on('response', async (r) => {
      if (r.url().endsWith('/chat/token') && r.status() === 200) resolve((await r.json()) as Chat);
    });
  });
}

/** Talks to the same conversation over HTTP, as Web Chat does; returns the bot's replies to this message. */
function directLine(base: string, chat: Chat) {
  const headers = { authorization: `Bearer ${chat.token}`, 'content-type': 'application/json' };
  const url = `${base}/v3/directline/conversations/${chat.conversationId}/activities`;
  const latest = async () => {
    const page = (await (await fetch(`${url}?watermark=0`, { headers })).json()) as {
      activities: { type: string; text?: string; from: { role?: string }; suggestedActions?: { actions: { title: string }[] } }[];
    };
    return page.activities;
  };
  return {
    async send(activity: Record<string, unknown>): Promise<{ texts: string[]; actions: string[] }> {
      const before = (await latest()).length;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ from: { id: 'operator' }, ...activity }) });
      expect(res.status).toBe(200);
      const replies = (await latest()).slice(before).filter((a) => a.type === 'message' && a.from.role === 'bot');
      return { texts: replies.map((a) => a.text ?? ''), actions: replies.at(-1)?.suggestedActions?.actions.map((x) => x.title) ?? [] };
    },
    say(text: string) {
      return this.send({ type: 'message', text });
    },
  };
}

/** From a fault description to "Send it": the steps answered "not fixed", the site and contact given. */
async function escalate(dl: ReturnType<typeof directLine>): Promise<string> {
  let last = await dl.say('the outriggers on my pump truck will not come down');
  for (let i = 0; i < 30 && !last.texts.some((t) => /site address/.test(t)); i++) {
    const next = last.actions.find((a) => /^(Not fixed|Checked), next$|^Skip$/.test(a)) ?? last.actions[1];
    if (!next) throw new Error(`stuck: ${JSON.stringify(last)}`);
    last = await dl.say(next);
  }
  await dl.say('North gate of the Zhongjian site, Huangpu');
  await dl.say('Chen Jun');
  await dl.say('139 1234 5678');
  await dl.say('Yes');
  const done = await dl.say('Send it');
  const number = done.texts.join(' ').match(/FT-\d{4}-\d{6}/)?.[0];
  if (!number) throw new Error(`no ticket: ${JSON.stringify(done)}`);
  return number;
}

describe('photos and location from the site', () => {
  const env = serverAndBrowser(TIMEOUT);

  const openChatPage = async (opts: { geolocation?: { latitude: number; longitude: number; accuracy?: number } } = {}) => {
    const context = await env.browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'en-US',
      ...(opts.geolocation ? { geolocation: opts.geolocation, permissions: ['geolocation'] } : {}),
    });
    const page = await context.newPage();
    const chat = captureChat(page);
    await page.goto(`${env.server.base}/chat`);
    await page.locator(BOT_BUBBLES).first().waitFor({ timeout: 20_000 });
    return { context, page, chat: await chat };
  };

  it(
    'takes a photo through Web Chat’s own upload button onto the ticket, with its GPS as the site position',
    async () => {
      const { context, page, chat } = await openChatPage();
      try {
        const photo = await photoWithGps();
        // Web Chat's upload button (shown) opens a file input; the test fills it as a person picking a photo would.
        const button = page.getByRole('button', { name: /upload file/i });
        expect(await button.isVisible()).toBe(true);
        await pickAndSend(page, { name: 'site.jpg', mimeType: 'image/jpeg', buffer: photo });
        await until(
          () => botTexts(page),
          (t) => t.some((x) => /I have your photo and the position it was taken at/.test(x)),
          'the bot thanks for the photo',
        );
        // Web Chat shows the photo's thumbnail from the server's signed link.
        const img = page.locator('.webchat__bubble--from-user img').first();
        await img.waitFor({ timeout: 20_000 });
        expect(await img.getAttribute('src')).toMatch(
          new RegExp(`/v3/directline/conversations/${chat.conversationId}/media/[0-9a-f]{64}/thumbnail\\?sig=`),
        );
        expect(
          await until(
            () => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth),
            (w) => w > 0,
            'the photo to load',
          ),
        ).toBe(320);
        await screenshot(page, 'chat-photo-phone');

        const number = await escalate(directLine(env.server.base, chat));
        const ticket = (await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${number}`)).json()) as TicketView;
        expect(ticket.media).toHaveLength(1);
        const m = ticket.media![0]!;
        expect(m).toMatchObject({ contentType: 'image/jpeg', name: 'site.jpg', by: 'operator', hasThumbnail: true, size: photo.length });
        expect(m.gps).toEqual({ lat: 31.230167, lon: 121.4737 });
        expect(ticket.customer.site).toMatchObject({ address: 'North gate of the Zhongjian site, Huangpu', lat: 31.230167, lon: 121.4737 });

        // The full photo and its thumbnail, to every role that may see the ticket, and to nobody else.
        const full = await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${ticket.id}/media/${m.id}`);
        expect(full.status).toBe(200);
        expect(full.headers.get('content-type')).toBe('image/jpeg');
        expect(Buffer.from(await full.arrayBuffer()).equals(photo)).toBe(true);
        const thumb = await api(env.server.base, KEYS.agent, 'GET', `/api/tickets/${ticket.id}/media/${m.id}/thumbnail`);
        expect(thumb.status).toBe(200);
        expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(320);
        expect((await api(env.server.base, undefined, 'GET', `/api/tickets/${ticket.id}/media/${m.id}`)).status).toBe(401);
        expect((await api(env.server.base, KEYS.tech7, 'GET', `/api/tickets/${ticket.id}/media/${m.id}`)).status).toBe(403);
        await api(env.server.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-07' });
        expect((await api(env.server.base, KEYS.tech7, 'GET', `/api/tickets/${ticket.id}/media/${m.id}`)).status).toBe(200);
        expect((await api(env.server.base, KEYS.tech8, 'GET', `/api/tickets/${ticket.id}/media/${m.id}`)).status).toBe(403);
        // The signed chat link opens nothing with a wrong signature or from another conversation.
        const link = (await img.getAttribute('src'))!.replace('/thumbnail?', '?');
        const viaChat = await fetch(`${env.server.base}${link}`);
        expect(viaChat.status).toBe(200);
        expect(Buffer.from(await viaChat.arrayBuffer()).equals(photo)).toBe(true);
        expect((await fetch(`${env.server.base}${link.replace(/sig=.*/, 'sig=forged')}`)).status).toBe(404);

        // The transcript, one click from the ticket: staff see the conversation with the photo in it.
        const transcript = (await (
          await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${ticket.id}/transcript`)
        ).json()) as TranscriptResponse;
        expect(transcript).toMatchObject({ channel: 'directline', conversationId: chat.conversationId });
        expect(transcript.lines.find((l) => l.attachments.length > 0)).toMatchObject({
          from: 'user',
          attachments: [{ mediaId: m.id, contentType: 'image/jpeg' }],
        });
        expect(transcript.lines.some((l) => l.from === 'bot' && /Your ticket number is/.test(l.text))).toBe(true);

        // The board: found by a search kept in the URL; suggested technicians, the photo and the conversation on the ticket.
        const board = await env.browser.newPage({ viewport: { width: 1366, height: 768 } });
        try {
          await board.goto(`${env.server.base}/dispatch?q=${encodeURIComponent('139 1234 5678')}&status=all`);
          await board.getByLabel('API key').fill(KEYS.dispatcher);
          await board.getByLabel('API key').press('Enter');
          expect(await board.getByLabel('Search').inputValue()).toBe('139 1234 5678');
          await until(
            () => board.locator('#ticket-rows tr th').allTextContents(),
            (n) => n.length === 1 && n[0] === number,
            'only the searched ticket',
          );
          await board.getByRole('button', { name: number, exact: true }).click();
          await board.getByRole('heading', { name: 'Suggested technicians' }).waitFor();
          expect(await board.locator('.tech-suggestions li').first().innerText()).toMatch(
            /^T-0[78] · \S.* trained for this line · [\d.]+ km away · \d open jobs?$/,
          );
          await board.getByRole('heading', { name: 'Photos from the site' }).waitFor();
          await until(
            () => board.locator('.media-thumb img').count(),
            (n) => n === 1,
            'the photo on the board',
          );
          await board.getByRole('button', { name: 'Show the conversation' }).click();
          await until(
            () => board.locator('#transcript').innerText(),
            (t) => /Your ticket number is/.test(t) && /\[1 photo\]/.test(t),
            'the conversation',
          );
          await screenshot(board, 'dispatch-photo-transcript');
          // Filters typed on the board go into its URL.
          await board.getByLabel('Machine down only').check();
          expect(new URL(board.url()).searchParams.get('down')).toBe('1');
        } finally {
          await board.close();
        }

        // A photo sent after the ticket was opened goes onto that ticket.
        await pickAndSend(page, {
          name: 'later.png',
          mimeType: 'image/png',
          buffer: await sharp({ create: { width: 50, height: 40, channels: 3, background: '#224466' } })
            .png()
            .toBuffer(),
        });
        await until(
          () => botTexts(page),
          (t) => t.some((x) => x.includes(`I have added the photo to ticket ${number}`)),
          'the photo added to the open ticket',
        );
        const after = (await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${ticket.id}`)).json()) as TicketView;
        expect(after.media!.map((x) => x.contentType)).toEqual(['image/jpeg', 'image/png']);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'refuses a file that is not a photo even when it is named .jpg, and stores nothing',
    async () => {
      const { context, page, chat } = await openChatPage();
      try {
        const fake = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n'.repeat(40));
        await pickAndSend(page, { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: fake });
        await until(
          () => botTexts(page),
          (t) => t.some((x) => /I can only take photos \(JPEG, PNG, HEIC\) or MP4 videos/.test(x)),
          'the refusal in the chat',
        );
        await screenshot(page, 'chat-upload-refused-phone');
        expect(
          await env.server.app.services().db!.query(`SELECT * FROM media_links WHERE conversation_id = $1`, [chat.conversationId]),
        ).toEqual([]);

        // The same through the protocol: 415 naming the type found.
        const form = new FormData();
        form.append(
          'activity',
          new Blob(
            [JSON.stringify({ type: 'message', from: { id: 'u' }, attachments: [{ name: 'photo.jpg', contentType: 'image/jpeg' }] })],
            { type: 'application/vnd.microsoft.activity' },
          ),
        );
        form.append('file', new Blob([fake], { type: 'image/jpeg' }), 'photo.jpg');
        const url = `${env.server.base}/v3/directline/conversations/${chat.conversationId}/upload?userId=u`;
        const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${chat.token}` }, body: form });
        expect(res.status).toBe(415);
        expect(await res.json()).toMatchObject({
          code: 'unsupported_media_type',
          error: expect.stringMatching(/photo\.jpg is a application\/pdf file/),
        });
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    '"share my location" puts the browser’s position on the site',
    async () => {
      const { context, page, chat } = await openChatPage({ geolocation: { latitude: 30.5928, longitude: 114.3055, accuracy: 15 } });
      try {
        await page.getByRole('button', { name: /Share my location/ }).click();
        await until(
          () => botTexts(page),
          (t) => t.some((x) => /I have your position \(30\.59280, 114\.30550, within about 15 m\)/.test(x)),
          'the position acknowledged',
        );
        await screenshot(page, 'chat-location-phone');
        const number = await escalate(directLine(env.server.base, chat));
        const ticket = (await (await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${number}`)).json()) as TicketView;
        expect(ticket.customer.site).toMatchObject({ lat: 30.5928, lon: 114.3055 });
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'checks the token before reading an upload, and keeps to its limits',
    async () => {
      const open = async () => (await (await fetch(`${env.server.base}/chat/token`, { method: 'POST' })).json()) as Chat;
      const a = await open();
      const b = await open();
      await fetch(`${env.server.base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${a.token}` } });
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .png()
        .toBuffer();
      const upload = (chat: Chat, token: string | undefined, files: Blob[]) => {
        const form = new FormData();
        files.forEach((f, i) => form.append('file', f, `f${i}.png`));
        return fetch(`${env.server.base}/v3/directline/conversations/${chat.conversationId}/upload?userId=u`, {
          method: 'POST',
          headers: token ? { authorization: `Bearer ${token}` } : {},
          body: form,
        });
      };
      const one = new Blob([png], { type: 'image/png' });
      expect((await upload(a, undefined, [one])).status).toBe(401);
      expect((await upload(a, b.token, [one])).status).toBe(401);
      expect(
        (
          await upload(
            a,
            a.token,
            Array.from({ length: UPLOAD_LIMITS.filesPerRequest + 1 }, () => one),
          )
        ).status,
      ).toBe(413);
      const big = new Blob([png, Buffer.alloc(UPLOAD_LIMITS.fileBytes)], { type: 'image/png' });
      expect((await upload(a, a.token, [big])).status).toBe(413);
      expect((await upload(a, a.token, [one])).status).toBe(200);
      // Other routes still refuse multipart bodies.
      const form = new FormData();
      form.append('file', one, 'x.png');
      const elsewhere = await fetch(`${env.server.base}/v3/directline/conversations/${a.conversationId}/activities`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}` },
        body: form,
      });
      expect(elsewhere.status).toBe(415);
    },
    TIMEOUT,
  );

  it('lets the technician on the job add a photo from the site as a raw body, typed from its bytes', async () => {
    const created = await api(env.server.base, KEYS.agent, 'POST', '/api/tickets', {
      customer: { name: 'Harbour Construction', site: { address: '88 Binjiang Rd, Shanghai' } },
      contact: { name: 'Wang Fang', phone: '139 1234 5678' },
      equipment: { productLine: 'PT' },
      faults: [{ id: 'PT-H01' }],
      operatorWords: 'boom will not lift',
      machineDown: true,
    });
    const ticket = (await created.json()) as TicketView;
    await api(env.server.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-07' });
    const photo = await photoWithGps({ r: 10, g: 200, b: 10 });
    const send = (key: string, body: Buffer | string, type = 'image/jpeg') =>
      fetch(`${env.server.base}/api/tickets/${ticket.id}/media?name=valve.jpg`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        body,
      });
    expect((await send(KEYS.tech8, photo)).status).toBe(403);
    expect((await send(KEYS.agent, photo)).status).toBe(403);
    const ok = await send(KEYS.tech7, photo, 'application/octet-stream');
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as TicketView).media).toEqual([
      expect.objectContaining({ by: 'technician', name: 'valve.jpg', contentType: 'image/jpeg' }),
    ]);
    const notPhoto = await send(KEYS.tech7, 'GIF89a but really just text', 'image/gif');
    expect(notPhoto.status).toBe(415);
  });
});
