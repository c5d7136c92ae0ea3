import type { Logger } from 'pino';
import type { Request, Response } from 'restify';
import { ZodError } from 'zod';
import { StoreUnavailableError } from '../storage/database.js';
import { ForbiddenError, IdempotencyConflictError, InvalidRequestError, NotFoundError, VersionConflictError } from '../tickets/errors.js';
import { TransitionError } from '../tickets/lifecycle.js';

export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

/** Maps every error a handler can raise to a status and a body a person can act on. */
export function sendError(res: Response, err: unknown, log: Logger, req: Request): void {
  if (err instanceof ZodError) {
    res.send(400, {
      error: 'invalid request',
      issues: err.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
    });
    return;
  }
  const mapped: [new (...args: never[]) => Error, number][] = [
    [InvalidRequestError, 400],
    [UnauthorizedError, 401],
    [ForbiddenError, 403],
    [NotFoundError, 404],
    [TransitionError, 409],
    [VersionConflictError, 409],
    [IdempotencyConflictError, 422],
    [StoreUnavailableError, 503],
  ];
  for (const [type, status] of mapped) {
    if (err instanceof type) {
      const body: Record<string, unknown> = { error: err.message };
      if (err instanceof InvalidRequestError) body.issues = [{ field: err.field, message: err.message }];
      if (status === 503) res.header('Retry-After', '5');
      if (status === 401) res.header('WWW-Authenticate', 'Bearer');
      res.send(status, body);
      if (status === 503) log.warn({ err: err.message, url: req.getPath() }, 'store unavailable');
      return;
    }
  }
  log.error({ err, url: req.getPath() }, 'unhandled error');
  res.send(500, { error: 'internal error; it has been logged' });
}
