import restify from 'restify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppConfig } from '../config/config.js';
import { productLineCode } from '../knowledge/schema.js';
import { openEngine } from '../retrieval/open-engine.js';
import type { SuggestionEngine } from '../retrieval/engine.js';

const suggestBody = z
  .object({
    text: z.string().min(1, 'text must not be empty').max(10_000, 'text is limited to 10 000 characters'),
    productLine: productLineCode.optional(),
    limit: z.number().int().min(1).max(20).optional(),
  })
  .strict();

/**
 * The HTTP server. /healthz answers 200 only once the retrieval index is loaded, so a
 * load balancer never sends traffic to an instance that cannot answer.
 */
export async function startServer(config: AppConfig, log: Logger): Promise<restify.Server> {
  const server = restify.createServer({ name: 'fault-triage-assistant' });
  server.use(restify.plugins.bodyParser({ maxBodySize: 64 * 1024, mapParams: false, rejectUnknown: true }));
  let engine: SuggestionEngine | undefined;

  server.get('/healthz', async (_req, res) => {
    res.send(engine ? 200 : 503, { status: engine ? 'ok' : 'loading' });
  });

  server.post('/api/suggest', async (req, res) => {
    if (!engine) {
      res.send(503, { error: 'the retrieval index is still loading' });
      return;
    }
    const parsed = suggestBody.safeParse(req.body);
    if (!parsed.success) {
      res.send(400, {
        error: 'invalid request body',
        issues: parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
      });
      return;
    }
    const { text, ...opts } = parsed.data;
    res.send(200, await engine.suggest(text, opts));
  });

  await new Promise<void>((resolve) => server.listen(config.port, '0.0.0.0', resolve));
  log.info({ port: config.port }, 'listening; loading the fault manual and index');
  const started = performance.now();
  engine = await openEngine(config, log);
  log.info({ ms: Math.round(performance.now() - started), faults: engine.kb.faults.length }, 'ready');
  return server;
}
