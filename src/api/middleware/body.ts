import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';
import { echo, InvalidEncodingError, UnsupportedMediaTypeError } from '../../errors';
import { parseJsonBody, type JsonBody } from '../json';
import { BODY_LIMIT_BYTES } from './errors';

function hasBody(ctx: Context): boolean {
  const length = ctx.get('content-length');
  return Boolean(ctx.get('transfer-encoding')) || (length !== '' && length !== '0');
}

// Fatal: a byte sequence that isn't UTF-8 is refused, never replaced with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidEncodingError();
  }
}

/** Refuses what we would have to reinterpret: other media types, charsets or encodings. */
function checkHeaders(ctx: Context): void {
  if (!ctx.is('application/json', 'application/*+json')) throw new UnsupportedMediaTypeError();
  const charset = ctx.request.charset;
  if (charset && !/^utf-?8$/i.test(charset)) throw new UnsupportedMediaTypeError(`charset ${echo(charset)} is not supported: send UTF-8`);
  const encoding = ctx.get('content-encoding');
  if (encoding && encoding.toLowerCase() !== 'identity') throw new UnsupportedMediaTypeError(`Content-Encoding ${echo(encoding)} is not supported`);
}

/**
 * JSON bodies only, UTF-8, at most 256 KiB. The parsed body lands in ctx.state.json with its
 * source text, so a route can pass on exactly what the client sent.
 */
export async function jsonBody(ctx: Context, next: Next): Promise<void> {
  if (['POST', 'PUT', 'PATCH'].includes(ctx.method) && hasBody(ctx)) {
    checkHeaders(ctx);
    const bytes = await getRawBody(ctx.req, { length: ctx.get('content-length') || undefined, limit: BODY_LIMIT_BYTES });
    ctx.state.json = parseJsonBody(decodeUtf8(bytes)) satisfies JsonBody;
  }
  await next();
}
