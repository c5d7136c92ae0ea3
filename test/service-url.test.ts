import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './support/browser.js';
import { reportFigures } from './support/figures.js';
import { killHard, spawnServer, type ServerProcess } from './support/process.js';

/** A fake channel (a serviceUrl) that misbehaves in one way, counting the connections the bot opens to it. */
class Peer {
  connections = 0;
  readonly open = new Set<Socket>();
  constructor(readonly server: Server | HttpServer) {
    server.on('connection', (s: Socket) => {
      this.connections++;
      this.open.add(s);
      s.on('close', () => this.open.delete(s));
      s.on('error', () => undefined);
      // Read (and drop) whatever comes, so a peer that hangs up is noticed.
      s.resume();
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }
  close() {
    for (const s of this.open) s.destroy();
    this.server.close();
  }
}

const activity = (serviceUrl: string, conversation: string, extra: Record<string, unknown> = {}) => ({
  type: 'message',
  id: `m-${Math.random()}`,
  text: 'the boom on my pump truck will not lift',
  channelId: 'emulator',
  serviceUrl,
  conversation: { id: conversation },
  from: { id: 'user-1', role: 'user' },
  recipient: { id: 'bot', role: 'bot' },
  ...extra,
});

/**
 * Hostile or failing serviceUrls: the bot replies to whatever URL an activity names, so
 * every way a peer can fail must leave the process serving, and no request may leave for a
 * host the allow-list does not hold.
 */
describe('/api/messages against hostile and failing serviceUrls', () => {
  let server: ServerProcess;
  let dataDir: string;
  const peers: Record<string, Peer> = {};
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'service-url-'));
    server = await spawnServer({ DATA_DIR: dataDir, RATE_LIMIT_SCALE: '1000' });
    // Resets every connection as soon as it is made.
    peers.refused = new Peer(createServer((s) => s.resetAndDestroy()));
    // Accepts and never answers.
    peers.blackHole = new Peer(createServer(() => undefined));
    // Answers 503, slowly, like a Bot Connector in an outage.
    peers.slow5xx = new Peer(
      createHttpServer((_req, res) => {
        setTimeout(() => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"ServiceUnavailable"}}');
        }, 1500);
      }),
    );
    // Sends the bot elsewhere; a redirect must not be followed.
    peers.canary = new Peer(createHttpServer((_req, res) => res.end('{}')));
    const canaryPort = await peers.canary.listen();
    peers.redirect = new Peer(
      createHttpServer((_req, res) => {
        res.writeHead(307, { location: `http://127.0.0.1:${canaryPort}/v3/conversations/x/activities` });
        res.end();
      }),
    );
    for (const name of ['refused', 'blackHole', 'slow5xx', 'redirect']) urls[name] = `http://127.0.0.1:${await peers[name]!.listen()}`;
    // Nothing listens here.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    urls.closedPort = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((r) => probe.close(() => r()));
    // Hosts outside the allow-list that would still reach the canary on this machine if the bot called them.
    urls.mappedLoopback = `http://[::ffff:7f00:1]:${canaryPort}`;
    urls.anyAddress = `http://0.0.0.0:${canaryPort}`;
    urls.foreign = `https://attacker.example:${canaryPort}`;
    urls.withCredentials = `http://user:pw@127.0.0.1:${canaryPort}`;
  }, 60_000);

  afterAll(async () => {
    await killHard(server);
    for (const p of Object.values(peers)) p.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`${server.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('stays up through refused, closed, black-holed, slow-failing and redirecting channels, and frees their sockets', async () => {
    const failing = ['refused', 'closedPort', 'blackHole', 'slow5xx', 'redirect'];
    const sent = failing.flatMap((name) =>
      Array.from({ length: 4 }, (_, i) => ({ name, res: post(activity(urls[name]!, `conv-${name}-${i}`)) })),
    );
    const answers = await Promise.all(sent.map(async (x) => ({ name: x.name, status: (await x.res).status })));
    // The channel failed, not the request: the server answers and keeps serving.
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    // The bot did try to reply (so the failure paths ran) …
    for (const name of ['refused', 'blackHole', 'slow5xx', 'redirect']) expect(peers[name]!.connections).toBeGreaterThan(0);
    // … gave up on the black hole (no socket held open), and followed no redirect.
    await until(
      async () => peers.blackHole!.open.size,
      (n) => n === 0,
      'the black hole to be let go',
      20_000,
    );
    expect(peers.canary!.connections).toBe(0);
    expect(server.output()).not.toMatch(/unhandled promise rejection|uncaught exception/);
    reportFigures('hostile serviceUrl (failing peers)', {
      hostileRequests: sent.length,
      fiveHundreds: answers.filter((a) => a.status >= 500).length,
      processExits: 0,
    });
  }, 120_000);

  it('refuses serviceUrls outside the allow-list before anything is sent', async () => {
    const hostile = ['mappedLoopback', 'anyAddress', 'foreign', 'withCredentials'];
    const statuses: number[] = [];
    for (const name of hostile) {
      const res = await post(activity(urls[name]!, `conv-${name}`));
      statuses.push(res.status);
      expect(await res.json()).toMatchObject({ code: 'service_url_not_allowed' });
    }
    expect(statuses.every((s) => s === 403)).toBe(true);
    expect(peers.canary!.connections).toBe(0);
    reportFigures('hostile serviceUrl (foreign hosts)', { hostileRequests: hostile.length, fiveHundreds: 0, processExits: 0 });
  });

  it('refuses a Direct Line conversation arriving through /api/messages', async () => {
    const { conversationId } = (await (await fetch(`${server.base}/chat/token`, { method: 'POST' })).json()) as { conversationId: string };
    const channel = new Peer(createHttpServer((_req, res) => res.end('{}')));
    const port = await channel.listen();
    try {
      const res = await post(activity(`http://127.0.0.1:${port}`, conversationId, { channelId: 'directline', text: 'Send it' }));
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'conversation_bound' });
      expect(channel.connections).toBe(0);
    } finally {
      channel.close();
    }
  });
});
