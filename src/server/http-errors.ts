import type { Logger } from 'pino';
import type { Request, Response } from 'restify';
import { ZodError } from 'zod';
import { EngineBusyError } from '../retrieval/embedders/embedder.js';
import { StoreUnavailableError } from '../storage/database.js';
import { ForbiddenError, IdempotencyConflictError, InvalidRequestError, NotFoundError, VersionConflictError } from '../tickets/errors.js';
import { TransitionError } from '../tickets/lifecycle.js';
import { TooManyRequestsError } from './rate-limit.js';

export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
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

/** Maps every error a handler can raise to a status and a body a person can act on. */
export function sendError(res: Response, err: unknown, log: Logger, req: Request): void {
  if (err instanceof ZodError) {
    res.send(400, {
      code: 'invalid_request',
      error: 'invalid request',
      issues: err.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
    });
    return;
  }
  // `code` lets clients tell apart errors that share a status (both 409s, for one).
  const mapped: [new (...args: never[]) => Error, number, string][] = [
    [InvalidRequestError, 400, 'invalid_request'],
    [UnauthorizedError, 401, 'unauthorized'],
    [ForbiddenError, 403, 'forbidden'],
    [NotFoundError, 404, 'not_found'],
    [TransitionError, 409, 'illegal_transition'],
    [VersionConflictError, 409, 'version_conflict'],
    [IdempotencyConflictError, 422, 'idempotency_key_reused'],
    [TooManyRequestsError, 429, 'rate_limited'],
    [StoreUnavailableError, 503, 'store_unavailable'],
    [EngineBusyError, 503, 'busy'],
  ];
  for (const [type, status, code] of mapped) {
    if (err instanceof type) {
      const body: Record<string, unknown> = { code, error: err.message };
      if (err instanceof InvalidRequestError) body.issues = [{ field: err.field, message: err.message }];
      if (err instanceof TooManyRequestsError || err instanceof EngineBusyError) res.header('Retry-After', String(err.retryAfterSeconds));
      else if (status === 503) res.header('Retry-After', '5');
      if (status === 401) res.header('WWW-Authenticate', 'Bearer');
      res.send(status, body);
      if (err instanceof StoreUnavailableError) log.warn({ err: err.message, url: req.getPath() }, 'store unavailable');
      return;
    }
  }
  log.error({ err, url: req.getPath() }, 'unhandled error');
  res.send(500, { error: 'internal error; it has been logged' });
}
