import { randomBytes } from 'node:crypto';
import type { TicketView } from '../src/api/responses.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/**
 * A site video on a ticket is served in ranges (206), as a video player seeking through
 * it or a phone resuming a download asks: one range, open-ended and suffix ranges, a
 * range past the end (416), no range or several at once (the whole file, 200), and the
 * same role check as the whole file.
 */

/** An ISO MP4 as file-type reads it: an `ftyp` box (brand isom) and an `mdat` box of unique bytes. */
function mp4(payload: Buffer): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isommp41')]);
  const mdatHead = Buffer.alloc(8);
  mdatHead.writeUInt32BE(8 + payload.length, 0);
  mdatHead.write('mdat', 4);
  return Buffer.concat([ftyp, mdatHead, payload]);
}

describe('site videos in ranges', () => {
  let server: TestServer;
  let ticket: TicketView;
  const video = mp4(randomBytes(300_000));
  let url: string;

  beforeAll(async () => {
    server = await startTestServer();
    ticket = (await (await api(server.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest())).json()) as TicketView;
    await api(server.base, KEYS.dispatcher, 'POST', `/api/tickets/${ticket.id}/assign`, { technicianId: 'T-07' });
    const added = await fetch(`${server.base}/api/tickets/${ticket.id}/media?name=pump-noise.mp4`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.tech7}`, 'content-type': 'video/mp4' },
      body: video,
    });
    expect(added.status).toBe(201);
    const media = ((await added.json()) as TicketView).media!;
    expect(media).toEqual([expect.objectContaining({ contentType: 'video/mp4', hasThumbnail: false })]);
    url = `${server.base}/api/tickets/${ticket.id}/media/${media[0]!.id}`;
  }, 60_000);

  afterAll(() => server?.stop());

  const get = (range?: string, key = KEYS.dispatcher) =>
    fetch(url, { headers: { authorization: `Bearer ${key}`, ...(range ? { range } : {}) } });
  const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

  it('answers one range with 206 and exactly those bytes', async () => {
    const first = await get('bytes=0-1023');
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-1023/${video.length}`);
    expect(first.headers.get('content-length')).toBe('1024');
    expect(first.headers.get('content-type')).toBe('video/mp4');
    expect((await bytes(first)).equals(video.subarray(0, 1024))).toBe(true);

    const middle = await get('bytes=150000-');
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 150000-${video.length - 1}/${video.length}`);
    expect((await bytes(middle)).equals(video.subarray(150_000))).toBe(true);

    const tail = await get('bytes=-500');
    expect(tail.status).toBe(206);
    expect((await bytes(tail)).equals(video.subarray(video.length - 500))).toBe(true);

    // A range reaching past the end is cut at the end.
    const long = await get(`bytes=${video.length - 10}-${video.length + 5000}`);
    expect(long.status).toBe(206);
    expect((await bytes(long)).equals(video.subarray(video.length - 10))).toBe(true);
  });

  it('says 416 for a range past the end, and sends the whole file without a usable range', async () => {
    const past = await get(`bytes=${video.length + 10}-`);
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${video.length}`);

    for (const range of [undefined, 'bytes=0-9,100-109', 'items=0-9', 'nonsense']) {
      const whole = await get(range);
      expect([range, whole.status]).toEqual([range, 200]);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect((await bytes(whole)).equals(video)).toBe(true);
    }
  });

  it('keeps the ticket rule: a range is no way around the role check', async () => {
    expect((await get('bytes=0-99', KEYS.tech8)).status).toBe(403);
    expect((await get('bytes=0-99', KEYS.tech7)).status).toBe(206);
    expect((await fetch(url, { headers: { range: 'bytes=0-99' } })).status).toBe(401);
  });
});
