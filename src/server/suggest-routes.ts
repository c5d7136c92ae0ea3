import type { Logger } from 'pino';
import type { Server } from 'restify';
import { suggestBody } from '../api/requests.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { guarded } from '../http/http-errors.js';
import type { ProductLines } from '../knowledge/product-lines.js';
import type { Retrieval } from '../retrieval/retrieval.js';

/** The engine for staff (the call-center panel); operators reach it through the bot. */
export function registerSuggestRoutes(
  server: Server,
  deps: { engine: Retrieval; lines: ProductLines; auth: ApiKeyAuth; log: Logger },
): void {
  const { engine, lines, auth, log } = deps;
  server.post(
    '/api/suggest',
    guarded(log, async (req, res) => {
      auth.actor(req);
      const { text, ...o } = suggestBody.parse(req.body ?? {});
      o.productLine = lines.parseOptional(o.productLine);
      // A client that has gone (a superseded panel request, a closed tab) gets no work:
      // its queued encoder call is dropped and nothing is answered.
      const gone = new AbortController();
      const onClose = () => res.writableFinished || gone.abort();
      res.once('close', onClose);
      try {
        if (req.socket.destroyed) gone.abort();
        res.send(200, await engine.suggest(text, { ...o, signal: gone.signal }));
      } catch (err) {
        if (gone.signal.aborted) return log.debug({ url: req.getPath() }, 'client gone; suggestion dropped');
        throw err;
      } finally {
        res.off('close', onClose);
      }
    }),
  );
}
