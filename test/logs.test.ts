import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { openChat } from './support/directline.js';
import { ticketRequest } from './support/tickets.js';

describe('logs', () => {
  const lines: string[] = [];
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ log: (l) => lines.push(l) });
  }, 60_000);
  afterAll(() => s.stop());

  it('carry no phone numbers, names or addresses, even at debug level', async () => {
    const { say } = await openChat(s.base);
    await say('the outriggers on my pump truck will not come down');
    let reply = await say('Skip');
    for (let i = 0; i < 20 && !/site address/.test(reply); i++)
      reply = await say(/\[Checked, next\]/.test(reply) ? 'Checked, next' : 'Not fixed, next');
    await say('Unit 9, Quayside Depot, Ningbo');
    await say('Zhao Minghui');
    await say('137 0000 4321');
    await say('Yes');
    expect(await say('Send it')).toMatch(/ticket number/);
    await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest({ contact: { name: 'Sun Lihua', phone: '+86 186 5555 0101' } }));
    await api(s.base, KEYS.agent, 'POST', '/api/tickets', { ...ticketRequest(), contact: { name: 'Sun Lihua', phone: 'not a phone' } });

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(3); // the server did log
    for (const secret of ['13700004321', '137 0000 4321', 'Zhao Minghui', 'Quayside', '18655550101', 'Sun Lihua', KEYS.agent]) {
      expect([secret, log.includes(secret)]).toEqual([secret, false]);
    }
  }, 60_000);
});
