/**
 * The one error hierarchy of the system. Domain code throws these; the API's error
 * middleware turns them into `{"error":{code,message,details}}` with their HTTP status.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** How much of a caller's input an error message may quote back. */
export const ECHO_LIMIT = 40;

/** Input quoted in a message: JSON-escaped (control characters, lone surrogates) and cut to a short prefix. */
export function echo(value: string): string {
  const cut = value.length > ECHO_LIMIT ? `${value.slice(0, ECHO_LIMIT)}…` : value;
  return JSON.stringify(cut);
}

export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, details?: FieldIssue[]) {
    super(400, 'validation_error', message, details);
  }
}

export class InvalidJsonError extends AppError {
  constructor(message = 'request body is not valid JSON') {
    super(400, 'invalid_json', message);
  }
}

export class BadRequestError extends AppError {
  constructor(message: string) {
    super(400, 'bad_request', message);
  }
}

export class InvalidEncodingError extends AppError {
  constructor() {
    super(400, 'invalid_encoding', 'request body is not valid UTF-8');
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid API key') {
    super(401, 'unauthorized', message);
  }
}

/** Allowed in general, not with these credentials: a read-only portal token (`read_only`), or a portal token where only an API key may act (`forbidden`). */
export class ForbiddenError extends AppError {
  constructor(code: 'read_only' | 'forbidden', message: string) {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(404, 'not_found', `${what} ${echo(id)} not found`);
  }
}

export class RouteNotFoundError extends AppError {
  constructor(method: string, path: string) {
    super(404, 'not_found', `no route for ${method} ${echo(path)}`);
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, readonly allowed: string[]) {
    super(405, 'method_not_allowed', `${echo(method)} is not allowed here; allowed: ${allowed.join(', ')}`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `request body is larger than ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'request body must be application/json') {
    super(415, 'unsupported_media_type', message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(dependency: string) {
    super(503, 'service_unavailable', `${dependency} is unavailable, try again later`);
  }
}
