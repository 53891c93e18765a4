import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { AppError, BadRequestError, MethodNotAllowedError, PayloadTooLargeError, ServiceUnavailableError } from '../../errors';
import { isDatabaseUnavailable } from '../../db/knex';
import { TemporalUnavailableError } from '../../temporal/client';

export const BODY_LIMIT_BYTES = 256 * 1024;

/** Longest message an error response carries; inputs quoted in it are cut shorter still. */
const MESSAGE_LIMIT = 300;

/** Maps errors from reading the body and from dependencies onto our hierarchy. */
function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { status?: number; type?: string; expose?: boolean };
  if (e?.type === 'entity.too.large' || e?.status === 413) return new PayloadTooLargeError(BODY_LIMIT_BYTES);
  // raw-body's own 4xx (a length that doesn't match, an aborted upload): the client's fault.
  if (e?.expose && typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new BadRequestError('request body could not be read');
  if (isDatabaseUnavailable(err)) return new ServiceUnavailableError('database');
  if (err instanceof TemporalUnavailableError) return new ServiceUnavailableError('Temporal');
  return null;
}

/** The one place errors become responses: `{"error":{code,message,details}}`, no internals. */
export function errorHandler(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const known = toAppError(err);
      if (!known) log.error({ err, method: ctx.method, path: ctx.path }, 'unhandled error');
      // A dependency that is away: the dependency monitor counts these rather than writing each
      // (it tells them by name, code and message; nothing more of the error is logged).
      else if (known.status >= 500) log.warn({ err: errorSummary(err), path: ctx.path }, known.message);
      ctx.status = known?.status ?? 500;
      if (known instanceof MethodNotAllowedError) ctx.set('Allow', known.allowed.join(', '));
      ctx.body = errorBody(known?.code ?? 'internal_error', known?.message ?? 'internal error', known?.details ?? null);
    }
  };
}

/** The documented error body; also written by the HTTP server for requests Koa never sees. */
export function errorBody(code: string, message: string, details: unknown = null) {
  return { error: { code, message: message.slice(0, MESSAGE_LIMIT), details } };
}

function errorSummary(err: unknown): { name?: string; code?: unknown; message: string } {
  const { name, code, message } = (err ?? {}) as { name?: string; code?: unknown; message?: unknown };
  return { name, code, message: String(message ?? err) };
}
