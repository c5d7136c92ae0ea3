import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

interface Pair {
  client: Socket;
  upstream?: Socket;
}

/**
 * A TCP proxy in front of PostgreSQL that the fault tests control: `reset()` kills every
 * open connection (as a database restart or a NAT timeout does), `partition()` keeps the
 * connections open but lets nothing through in either direction and holds new ones
 * unconnected (a network partition), `heal()` lets everything flow again.
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private partitioned = false;
  port = 0;
  resets = 0;

  constructor(private readonly target = { host: '127.0.0.1', port: 5432 }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const pair: Pair = { client };
      this.pairs.add(pair);
      client.on('error', () => client.destroy());
      client.on('close', () => {
        pair.upstream?.destroy();
        this.pairs.delete(pair);
      });
      if (this.partitioned) client.pause();
      else this.connect(pair);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private connect(pair: Pair): void {
    const upstream = new Socket();
    pair.upstream = upstream;
    upstream.on('error', () => upstream.destroy());
    upstream.on('close', () => pair.client.destroy());
    upstream.connect(this.target.port, this.target.host);
    this.flow(pair);
  }

  private flow(pair: Pair): void {
    pair.client.pipe(pair.upstream!);
    pair.upstream!.pipe(pair.client);
    pair.client.resume();
  }

  /** Every open connection is reset (RST), mid-query or mid-transaction. */
  reset(): void {
    for (const p of this.pairs) {
      p.client.resetAndDestroy();
      p.upstream?.resetAndDestroy();
      this.resets++;
    }
  }

  partition(): void {
    this.partitioned = true;
    for (const p of this.pairs) {
      p.client.unpipe();
      p.upstream?.unpipe();
      p.client.pause();
      p.upstream?.pause();
    }
  }

  heal(): void {
    this.partitioned = false;
    for (const p of this.pairs) {
      if (p.upstream) {
        this.flow(p);
        p.upstream.resume();
      } else this.connect(p);
    }
  }

  get open(): number {
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
