import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { ZodError } from 'zod';
import type { ErrorBody } from '../api/responses.js';
import { EngineBusyError } from '../retrieval/embedders/embedder.js';
import { StoreUnavailableError, UnstorableTextError } from '../storage/database.js';
import {
  ConflictError,
  ForbiddenError,
  IdempotencyConflictError,
  InvalidRequestError,
  NotFoundError,
  VersionConflictError,
} from '../errors/domain-errors.js';
import { TransitionError } from '../tickets/lifecycle.js';
import { TooManyRequestsError } from './rate-limit.js';

/**
 * Every error the server answers, whoever raised it (a route, the body reader, restify's
 * router with its 404 and 405, Node's HTTP parser, a bug), has the one shape `errorBody`
 * (src/api/responses.ts, where the OpenAPI document takes it from): `code` is stable and
 * machine-readable, `error` is for a person, `issues` name the fields at fault, and a 5xx
 * carries `errorId`, the key to the details in the log (the body never holds internals).
 * This module is the only place that builds one.
 */
export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

/** An HTTP-level refusal that has its own status and code (bodies, routing, channel rules). */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly issues?: { field: string; message: string }[],
  ) {
    super(message);
  }
}

/** A route handler whose every error (validation, auth, store, bug) becomes one answer from sendError. */
export function guarded(log: Logger, fn: (req: Request, res: Response) => Promise<void>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (err) {
      sendError(res, err, log, req);
    }
  };
}

interface Answer {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

// `code` lets clients tell apart errors that share a status (both 409s, for one).
const DOMAIN: [new (...args: never[]) => Error, number, string][] = [
  [InvalidRequestError, 400, 'invalid_request'],
  [UnauthorizedError, 401, 'unauthorized'],
  [ForbiddenError, 403, 'forbidden'],
  [NotFoundError, 404, 'not_found'],
  [TransitionError, 409, 'illegal_transition'],
  [VersionConflictError, 409, 'version_conflict'],
  [IdempotencyConflictError, 422, 'idempotency_key_reused'],
  [TooManyRequestsError, 429, 'rate_limited'],
];

/** restify's own errors (router, its plugins) by their restify-errors name, in our words. */
const RESTIFY: Record<string, [string, (req: Request, err: Error) => string]> = {
  ResourceNotFoundError: ['not_found', () => 'there is no such route; see /api/openapi.json'],
  MethodNotAllowedError: ['method_not_allowed', (req) => `this route does not accept ${req.method ?? 'that method'}`],
  PayloadTooLargeError: ['payload_too_large', () => 'the body is too large'],
  RequestEntityTooLargeError: ['payload_too_large', () => 'the body is too large'],
  UnsupportedMediaTypeError: ['unsupported_media_type', () => 'send JSON (Content-Type: application/json)'],
  InvalidContentError: ['invalid_json', () => 'the body is not valid JSON'],
  BadRequestError: ['bad_request', () => 'the request is malformed'],
  UriError: ['bad_request', () => 'the URL is malformed'],
  UnsupportedMediaType: ['unsupported_media_type', () => 'send JSON (Content-Type: application/json)'],
};

/** Maps any error to its status, envelope and headers. 5xx get an error id and a generic text. */
export function answerFor(err: unknown, req: Request): Answer {
  if (err instanceof ZodError) {
    return {
      status: 400,
      headers: {},
      body: {
        code: 'invalid_request',
        error: 'invalid request',
        issues: err.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
      },
    };
  }
  if (err instanceof HttpProblem) {
    const body: ErrorBody = { code: err.code, error: err.message };
    if (err.issues) body.issues = err.issues;
    if (err.status >= 500) body.errorId = randomUUID();
    return { status: err.status, headers: err.headers, body };
  }
  if (err instanceof ConflictError) return { status: 409, headers: {}, body: { code: err.code, error: err.message } };
  if (err instanceof UnstorableTextError) {
    return {
      status: 400,
      headers: {},
      body: { code: 'invalid_request', error: err.message, issues: [{ field: 'body', message: err.message }] },
    };
  }
  if (err instanceof StoreUnavailableError) {
    // The message is ours ("still starting", "unreachable"); the driver's words stay in the log.
    return { status: 503, headers: { 'Retry-After': '5' }, body: { code: 'store_unavailable', error: err.message, errorId: randomUUID() } };
  }
  if (err instanceof EngineBusyError) {
    // The sentence encoder's queue is full: nothing is wrong, ask again shortly.
    return { status: 503, headers: { 'Retry-After': String(err.retryAfterSeconds) }, body: { code: 'busy', error: err.message } };
  }
  for (const [type, status, code] of DOMAIN) {
    if (err instanceof type) {
      const body: ErrorBody = { code, error: err.message };
      const headers: Record<string, string> = {};
      if (err instanceof InvalidRequestError) body.issues = [{ field: err.field, message: err.message }];
      if (err instanceof TooManyRequestsError) headers['Retry-After'] = String(err.retryAfterSeconds);
      if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
      return { status, headers, body };
    }
  }
  const e = err as { name?: string; statusCode?: unknown } | undefined;
  const known = e?.name ? RESTIFY[e.name] : undefined;
  if (known && typeof e?.statusCode === 'number' && e.statusCode < 500) {
    return { status: e.statusCode, headers: {}, body: { code: known[0], error: known[1](req, err as Error) } };
  }
  return {
    status: 500,
    headers: {},
    body: { code: 'internal', error: 'internal error; it has been logged under errorId', errorId: randomUUID() },
  };
}

/** Answers with the envelope; a 5xx is logged with its error id and the real cause. */
export function sendError(res: Response, err: unknown, log: Logger, req: Request): void {
  const { status, body, headers } = answerFor(err, req);
  if (status >= 500) {
    const level = status === 503 ? 'warn' : 'error';
    log[level]({ err, errorId: body.errorId, route: routeOf(req), status }, status === 503 ? 'unavailable' : 'unhandled error');
  }
  if (res.headersSent) {
    // The answer had begun (a stream, the bot adapter): all that is left is to end it.
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(headers)) res.header(name, value);
  res.send(status, body);
}

const routeOf = (req: Request) => String(req.getRoute?.()?.path ?? 'unmatched');

/**
 * Puts the envelope on every answer restify makes by itself (unknown route, wrong method,
 * errors passed to next() by middleware, a handler that throws) and on the HTTP parser's
 * own refusals (malformed request line or headers, headers too large).
 */
export function installErrorEnvelope(server: Server, log: Logger): void {
  server.on('restifyError', (req: Request, res: Response, err: unknown, done: () => void) => {
    // restify has set Allow on a 405 already.
    if (!res.headersSent) sendError(res, err, log, req);
    done();
  });
  server.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(
      tooLarge
        ? { code: 'headers_too_large', error: 'the request headers are too large' }
        : { code: 'bad_request', error: 'the request is not valid HTTP' },
    );
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
