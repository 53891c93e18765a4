import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { UnsupportedMediaTypeError } from '../../errors';
import { BODY_LIMIT_BYTES } from './errors';

const parseJson = bodyParser({
  enableTypes: ['json'],
  jsonLimit: `${BODY_LIMIT_BYTES}b`,
  jsonStrict: true,
  // Unparsable or oversized bodies must reach our error middleware, not a default handler.
  onError: (err: Error) => {
    throw err;
  },
});

function hasBody(ctx: Context): boolean {
  const length = ctx.get('content-length');
  return Boolean(ctx.get('transfer-encoding')) || (length !== '' && length !== '0');
}

/** JSON bodies only, at most 256 KiB; a request with a non-JSON body gets 415. */
export async function jsonBody(ctx: Context, next: Next): Promise<void> {
  if (['POST', 'PUT', 'PATCH'].includes(ctx.method) && hasBody(ctx)) {
    if (!ctx.is('application/json', 'application/*+json')) throw new UnsupportedMediaTypeError();
    await parseJson(ctx, async () => {});
  }
  await next();
}
