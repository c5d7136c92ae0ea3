/** Domain errors shared by every service (tickets, roster, maintenance, live chat, channels); the HTTP layer maps each to its status code and the one error envelope. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
/** The ticket changed since the version the caller saw. */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}
/** An idempotency key came back with a different request. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}
/** A request that is well-formed but contradicts the manual (unknown fault, wrong line …). */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
/** The request is valid but the state of things refuses it (an inactive technician …); `code` says which. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
