import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createLogger } from '../src/config/logger.js';
import { startServer, type App } from '../src/server/server.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';
import { API_KEYS, KEYS } from './support/server.js';

/**
 * A server whose store cannot be reached (nothing listens on the PostgreSQL port it is
 * given): it keeps retrying, so it stays in the state every instance passes through at
 * start. Liveness, readiness, metrics, the OpenAPI document and the pages answer; every
 * route that needs the application answers the one readiness gate's 503 `not_ready`.
 */
describe('before the application is ready', () => {
  let app: App;
  let base: string;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'readiness-'));
    app = await startServer(
      {
        port: 0,
        dataDir,
        indexDir: join(REPO_ROOT, 'var', 'test', 'index'),
        knowledgeDir: KNOWLEDGE_DIR,
        logLevel: 'silent',
        embedder: { kind: 'none' },
        apiKeys: API_KEYS,
        databaseUrl: 'postgres://postgres@127.0.0.1:9/test',
      },
      createLogger('silent'),
    );
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is alive at once and says it is not ready', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(await ready.json()).toMatchObject({ code: 'not_ready', issues: [{ field: 'store' }] });
    expect(app.services()).toEqual({});
  });

  it('serves the OpenAPI document and the pages meanwhile', async () => {
    expect((await fetch(`${base}/api/openapi.json`)).status).toBe(200);
    expect((await fetch(`${base}/panel`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it.each([
    ['GET', '/api/tickets'],
    ['POST', '/api/suggest'],
    ['GET', '/api/faults'],
    ['GET', '/api/handoffs'],
    ['POST', '/api/messages'],
    ['POST', '/v3/directline/conversations'],
    ['GET', '/api/reports/self-service'],
  ])('answers %s %s with 503 not_ready and Retry-After, before authentication or body checks', async (method, path) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const body = (await res.json()) as { code: string; error: string };
    expect(body.code).toBe('not_ready');
    expect(body.error).toMatch(/store/);
  });

  it('refuses WebSocket upgrades with the same answer', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/v3/directline/conversations/x/stream?t=y`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('the socket opened before the application was ready')));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(503);
  });
});
