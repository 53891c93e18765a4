import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { AppError, InvalidJsonError, PayloadTooLargeError, ServiceUnavailableError } from '../../errors';
import { isDatabaseUnavailable } from '../../db/knex';
import { TemporalUnavailableError } from '../../temporal/client';

export const BODY_LIMIT_BYTES = 256 * 1024;

/** Maps errors from body parsing and dependencies onto our hierarchy. */
function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { status?: number; type?: string };
  if (e?.type === 'entity.too.large' || e?.status === 413) return new PayloadTooLargeError(BODY_LIMIT_BYTES);
  if (e?.type === 'entity.parse.failed' || (e?.status === 400 && /JSON/i.test(String((err as Error).message)))) {
    return new InvalidJsonError();
  }
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
      else if (known.status >= 500) log.warn({ err: (err as Error).message, path: ctx.path }, known.message);
      const status = known?.status ?? 500;
      ctx.status = status;
      ctx.body = {
        error: {
          code: known?.code ?? 'internal_error',
          message: known?.message ?? 'internal error',
          details: known?.details ?? null,
        },
      };
    }
  };
}
