import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { App } from '../src/server/server.js';
import { createLogger } from '../src/config/logger.js';
import { startServer } from '../src/server/server.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

describe('HTTP server', () => {
  let app: App;
  let base: string;
  beforeAll(async () => {
    app = await startServer(
      { port: 0, dataDir: join(REPO_ROOT, 'var', 'test'), knowledgeDir: KNOWLEDGE_DIR, logLevel: 'silent', embedder: { kind: 'use' } },
      createLogger('silent'),
    );
    await app.ready;
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(() => app.close());

  const post = (body: string) =>
    fetch(`${base}/api/suggest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('is healthy once the index is loaded', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('suggests faults for a description', async () => {
    const res = await post(JSON.stringify({ text: 'tower crane trolley will not travel out', limit: 3 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { abstain: boolean; results: { id: string }[] };
    expect(body.results.map((r) => r.id)).toContain('TC-E04');
  });

  it('answers bad requests with 400 naming the problem', async () => {
    const broken = await post('{"text": ');
    expect(broken.status).toBe(400);
    const missing = await post(JSON.stringify({ limit: 3 }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ issues: [{ field: 'text' }] });
    const wrongLine = await post(JSON.stringify({ text: 'x', productLine: 'XX' }));
    expect(((await wrongLine.json()) as { issues: { field: string }[] }).issues[0]!.field).toBe('productLine');
  });

  it('refuses bodies over the size limit', async () => {
    const res = await post(JSON.stringify({ text: 'a'.repeat(200_000) }));
    expect(res.status).toBe(413);
  });
});
