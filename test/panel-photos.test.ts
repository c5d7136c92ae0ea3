import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import type { HandoffList } from '../src/api/handoffs.js';
import type { ConversationMedia } from '../src/api/responses.js';
import { axeViolations, launchBrowser, screenshot, until } from './support/browser.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';

/**
 * The operator's photos in the call-center panel: an operator sends a photo through the
 * Direct Line upload (as Web Chat's button does) and asks for a person; the agent opens
 * the live chat in Chromium and sees the photo as a thumbnail, a click shows the full
 * photo in a dialog (axe-clean), Esc closes it. Only the desk's roles get the photos, and
 * only the conversation's own.
 */

const TIMEOUT = 150_000;

describe('photos of a live chat in the panel', () => {
  let server: TestServer;
  let browser: Browser;
  let handoffId: string;
  let conversationId: string;

  beforeAll(async () => {
    server = await startTestServer({
      live: { unclaimedAfterSeconds: 600, pickupTargetSeconds: 120, sweepSeconds: 1, timeZone: 'Asia/Shanghai' },
    });
    browser = await launchBrowser();
    const chat = (await (await fetch(`${server.base}/chat/token`, { method: 'POST' })).json()) as { token: string; conversationId: string };
    conversationId = chat.conversationId;
    const headers = { authorization: `Bearer ${chat.token}` };
    await fetch(`${server.base}/v3/directline/conversations`, { method: 'POST', headers });
    const say = (text: string) =>
      fetch(`${server.base}/v3/directline/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text, from: { id: 'operator' } }),
      });
    await say('the boom of my pump truck shakes when it moves');
    const photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#d35400' } })
      .jpeg()
      .toBuffer();
    const form = new FormData();
    form.append(
      'activity',
      new Blob(
        [
          JSON.stringify({
            type: 'message',
            from: { id: 'operator' },
            attachments: [{ name: 'boom-joint.jpg', contentType: 'image/jpeg' }],
          }),
        ],
        { type: 'application/vnd.microsoft.activity' },
      ),
    );
    form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'boom-joint.jpg');
    expect(
      (
        await fetch(`${server.base}/v3/directline/conversations/${conversationId}/upload?userId=operator`, {
          method: 'POST',
          headers,
          body: form,
        })
      ).status,
    ).toBe(200);
    await say('I want to talk to a person');
    const list = await until(
      async () => (await (await api(server.base, KEYS.agent, 'GET', '/api/handoffs?status=open')).json()) as HandoffList,
      (l) => l.handoffs.length === 1,
      'the handoff',
    );
    handoffId = list.handoffs[0]!.id;
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, TIMEOUT);

  it('lists the conversation’s photos for the desk only, and serves only those', async () => {
    const res = await api(server.base, KEYS.agent, 'GET', `/api/handoffs/${handoffId}/media`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ConversationMedia;
    expect(body).toMatchObject({
      handoffId,
      conversationId,
      media: [{ name: 'boom-joint.jpg', contentType: 'image/jpeg', hasThumbnail: true, by: 'operator' }],
    });
    const id = body.media[0]!.id;
    expect((await api(server.base, KEYS.tech7, 'GET', `/api/handoffs/${handoffId}/media`)).status).toBe(403);
    expect(
      (await api(server.base, KEYS.dispatcher, 'GET', `/api/handoffs/${handoffId}/media/${id}/thumbnail`)).headers.get('content-type'),
    ).toBe('image/jpeg');
    // A file that is not this chat's, and a chat that does not exist.
    expect((await api(server.base, KEYS.agent, 'GET', `/api/handoffs/${handoffId}/media/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await api(server.base, KEYS.agent, 'GET', `/api/handoffs/00000000-0000-4000-8000-000000000000/media`)).status).toBe(404);
  });

  it(
    'shows them as thumbnails in the live chat, and the full photo on click',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
      const panel = await context.newPage();
      const problems: string[] = [];
      panel.on('pageerror', (e) => problems.push(e.message));
      await panel.goto(`${server.base}/panel`);
      await panel.getByLabel('API key').fill(KEYS.agent);
      await panel.getByLabel('API key').press('Enter');
      await panel.getByRole('tab', { name: /^Live chats/ }).click();
      const item = panel.locator('#live-waiting button.live-item');
      await until(
        () => item.count(),
        (n) => n === 1,
        'the chat in the queue',
      );
      await item.click();
      const thumb = panel.locator('#live-photos img');
      await until(
        () => thumb.count(),
        (n) => n === 1,
        'the thumbnail',
      );
      expect(await thumb.getAttribute('alt')).toBe('boom-joint.jpg');
      // The thumbnail is the server's 320 px one, drawn from a blob: URL fetched with the key.
      await until(
        () => thumb.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
        (w) => w === 320,
        'the thumbnail drawn',
      );
      expect(await thumb.getAttribute('src')).toMatch(/^blob:/);

      await panel.getByRole('button', { name: 'boom-joint.jpg' }).click();
      const dialog = panel.getByRole('dialog', { name: 'boom-joint.jpg' });
      await dialog.waitFor();
      const full = dialog.locator('img');
      await until(
        () => full.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
        (w) => w === 800,
        'the full photo',
      );
      await screenshot(panel, 'panel-live-photo-full');
      expect(await axeViolations(panel)).toEqual([]);
      await panel.keyboard.press('Escape');
      await until(
        () => dialog.count(),
        (n) => n === 0,
        'the dialog closed',
      );
      expect(problems).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );
});
