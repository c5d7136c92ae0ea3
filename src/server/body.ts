import type { Next, Request, Response } from 'restify';
import { HttpProblem } from '../http/http-errors.js';

/**
 * What a route does with a request body:
 * - `json` (the default for POST, PUT, PATCH): a JSON document of at most `maxBytes`, read
 *   here, before the handler, and refused unless it is plain (`identity`) UTF-8 JSON;
 * - `none`: the body is never read (Node discards whatever was sent);
 * - `stream`: the handler reads `req` itself — the seam for the one authenticated,
 *   streaming upload route (size, count and type limits live with that route).
 *
 * Why not restify's bodyParser: it inflates gzip without an error listener (a body that is
 * not gzip ends the process) and counts compressed bytes against the limit (a 64 KB bomb
 * inflates to gigabytes), and it parses multipart to disk on every route before any
 * authentication. Compressed bodies are refused with 415 rather than inflated under a
 * limit: none of our clients compresses requests (Web Chat, the Bot Connector, our pages
 * all send identity), bodies are small, and not inflating is the smallest attack surface.
 */
export type BodyPolicy = 'json' | 'none' | 'stream';

declare module 'restify' {
  interface RouteOptions {
    body?: BodyPolicy;
  }
  interface RouteSpec {
    body?: BodyPolicy;
  }
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

export function policyOf(req: Request): BodyPolicy {
  return req.getRoute?.()?.spec?.body ?? (WITH_BODY.has(req.method ?? '') ? 'json' : 'none');
}

/** The restify middleware that applies each route's body policy. */
export function readBody(opts: { maxBytes: number }) {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return function readBody(req: Request, _res: Response, next: Next): void {
    if (policyOf(req) !== 'json') return next();
    const declared = req.headers['content-length'];
    if ((declared === undefined || Number(declared) === 0) && !req.isChunked()) return next();

    const encoding = String(req.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding !== 'identity') {
      return next(
        closing(415, 'unsupported_encoding', `Content-Encoding ${encoding.slice(0, 40)} is not accepted; send the body uncompressed`),
      );
    }
    const type = req.getContentType();
    if (type === 'multipart/form-data')
      return next(closing(415, 'unsupported_media_type', 'multipart bodies are not accepted here; send JSON'));
    if (!JSON_TYPE.test(type)) return next(closing(415, 'unsupported_media_type', 'send JSON (Content-Type: application/json)'));
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(String(req.headers['content-type']))?.[2]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8')
      return next(closing(415, 'unsupported_media_type', 'JSON bodies must be UTF-8'));
    if (Number(declared) > opts.maxBytes) return next(closing(413, 'payload_too_large', `the body is limited to ${opts.maxBytes} bytes`));

    const chunks: Buffer[] = [];
    let received = 0;
    let finished = false;
    const finish = (err?: unknown, body?: unknown) => {
      if (finished) return;
      finished = true;
      req.removeListener('data', onData);
      if (err === false) return next(false);
      if (err) {
        req.resume(); // whatever else arrives is dropped, not kept
        return next(err);
      }
      req.body = body;
      next();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > opts.maxBytes) return finish(closing(413, 'payload_too_large', `the body is limited to ${opts.maxBytes} bytes`));
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      let text: string;
      try {
        text = utf8.decode(Buffer.concat(chunks));
      } catch {
        return finish(new HttpProblem(400, 'invalid_body', 'the body is not valid UTF-8'));
      }
      try {
        finish(undefined, JSON.parse(text));
      } catch {
        finish(new HttpProblem(400, 'invalid_json', 'the body is not valid JSON'));
      }
    });
    // A client that goes away mid-body gets no answer; nothing is kept.
    req.once('aborted', () => finish(false));
    req.once('error', () => finish(false));
    req.resume();
  };
}

/** A refusal after which the connection is closed, so the rest of a large body is not read. */
function closing(status: number, code: string, message: string): HttpProblem {
  return new HttpProblem(status, code, message, { Connection: 'close' });
}
