import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../../config/config.js';
import { createLogger } from '../../config/logger.js';
import { startServer } from '../../server/server.js';

/**
 * The real server in this process, for the conversation evaluation: the deployment's
 * configuration (embedder, manual, emergency numbers …) but a store of its own in a
 * temporary folder (fresh SQLite unless DATABASE_URL is set), loopback only, any free
 * port. The dense index cache is the configured one, so runs do not re-embed the manual.
 */
export async function startLocalServer(config: AppConfig): Promise<{ base: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eval-chat-'));
  const app = await startServer(
    {
      ...config,
      port: 0,
      host: '127.0.0.1',
      dataDir,
      indexDir: config.indexDir ?? join(config.dataDir, 'index'),
      // One address opens every conversation of the set: the per-address limits are for the public.
      rateLimitScale: Math.max(config.rateLimitScale ?? 1, 1000),
      apiKeys: config.apiKeys ?? [],
      directLineSecret: undefined,
    },
    createLogger(process.env.LOG_LEVEL ?? 'silent'),
  );
  try {
    await app.ready;
  } catch (err) {
    await app.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    async stop() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
