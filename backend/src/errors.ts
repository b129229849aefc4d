/** Domain errors; mapped to HTTP in one place (app.onError). */
export abstract class DomainError extends Error {
  abstract readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 422 | 503 | 507;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ValidationError extends DomainError {
  readonly status = 400;
  override readonly name = 'ValidationError';
}
export class UnauthorizedError extends DomainError {
  readonly status = 401;
  override readonly name = 'UnauthorizedError';
  constructor(message = 'Sign in first.') {
    super('UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends DomainError {
  readonly status = 403;
  override readonly name = 'ForbiddenError';
  constructor(message = 'You may not do this.', code = 'FORBIDDEN') {
    super(code, message);
  }
}
export class NotFoundError extends DomainError {
  readonly status = 404;
  override readonly name = 'NotFoundError';
}
export class ConflictError extends DomainError {
  readonly status = 409;
  override readonly name = 'ConflictError';
}
export class GoneError extends DomainError {
  readonly status = 410;
  override readonly name = 'GoneError';
}
export class PolicyViolation extends DomainError {
  readonly status = 422;
  override readonly name = 'PolicyViolation';
}
export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  override readonly name = 'ServiceUnavailableError';
}
/** Not enough disk to keep what the call would record. */
export class InsufficientStorageError extends DomainError {
  readonly status = 507;
  override readonly name = 'InsufficientStorageError';
}
