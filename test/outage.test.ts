import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/** A TCP proxy in front of PostgreSQL that the test can cut and restore, like a network outage or a database restart. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

describe('the database going away and coming back', () => {
  const proxy = new CuttableProxy();
  let s: TestServer;
  beforeAll(async () => {
    await proxy.start();
    s = await startTestServer({ store: 'postgres', databaseUrl: `postgres://postgres@127.0.0.1:${proxy.port}/test` });
  }, 60_000);
  afterAll(async () => {
    await proxy.cut().catch(() => undefined);
    await s.stop();
  });

  it('answers 503 with Retry-After while the store is unreachable and recovers without a restart', async () => {
    const ok = await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest(), { 'idempotency-key': 'outage-before-0001' });
    expect(ok.status).toBe(201);

    await proxy.cut();
    const during = await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest(), { 'idempotency-key': 'outage-during-0001' });
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(await during.json()).toMatchObject({ code: 'store_unavailable' });
    expect((await api(s.base, KEYS.agent, 'GET', '/api/tickets')).status).toBe(503);

    await proxy.start(proxy.port);
    let status = 0;
    for (let i = 0; i < 20 && status !== 201; i++) {
      // The client retries with the same key, as the 503 invites it to.
      status = (await api(s.base, KEYS.agent, 'POST', '/api/tickets', ticketRequest(), { 'idempotency-key': 'outage-during-0001' })).status;
      if (status !== 201) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(201);
    const list = (await (await api(s.base, KEYS.dispatcher, 'GET', '/api/tickets')).json()) as { tickets: unknown[] };
    expect(list.tickets).toHaveLength(2);
  }, 60_000);
});
