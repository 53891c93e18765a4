import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_VERSION = 'v1';
const DEFAULT_MAX_AGE_S = 300;

export interface SignedHeaders {
  'X-Continuum-Signature': string;
  'X-Continuum-Timestamp': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** HMAC-SHA256 over "<timestamp>.<body>", keyed by the whole secret string (whs_… included). */
export function continuumSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Standard Webhooks: keyed by the base64 part of the secret, over "<id>.<timestamp>.<body>". */
export function standardSignature(secret: string, messageId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whs_/, ''), 'base64');
  return createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64');
}

/**
 * Signature headers for one attempt. During a secret rotation `secrets` holds the new and
 * the old secret, and each header carries one entry per secret, separated by a space.
 */
export function signatureHeaders(secrets: string[], messageId: string, timestamp: number, body: string): SignedHeaders {
  return {
    'X-Continuum-Signature': secrets.map((s) => `${SIGNATURE_VERSION}=${continuumSignature(s, timestamp, body)}`).join(' '),
    'X-Continuum-Timestamp': String(timestamp),
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => `${SIGNATURE_VERSION},${standardSignature(s, messageId, timestamp, body)}`).join(' '),
  };
}

export interface VerifyOptions {
  /** The raw request body. An object is re-serialized with JSON.stringify, which only matches
   *  when the parsed body round-trips byte for byte; prefer the raw string or Buffer. */
  payload: string | Buffer | object;
  /** The X-Continuum-Signature header: one or more "v1=<hex>" entries separated by spaces. */
  signature: string | undefined | null;
  /** The X-Continuum-Timestamp header (unix seconds). */
  timestamp: string | number | undefined | null;
  secret: string;
  /** Seconds a timestamp may be away from now, in either direction. Default 300. */
  maxAge?: number;
  /** Current time in unix seconds (for tests). */
  now?: number;
}

/** Verifies an X-Continuum-Signature header in constant time; rejects stale and future timestamps. */
export function verifyWebhookSignature(options: VerifyOptions): boolean {
  const { signature, secret } = options;
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE_S;
  const timestamp = Number(options.timestamp);
  if (!signature || !secret || !Number.isInteger(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > maxAge) return false;
  const body = typeof options.payload === 'string' || Buffer.isBuffer(options.payload)
    ? options.payload.toString()
    : JSON.stringify(options.payload);
  const expected = Buffer.from(continuumSignature(secret, timestamp, body), 'hex');
  return signature.split(' ').some((entry) => {
    const [version, hex] = entry.split('=', 2);
    if (version !== SIGNATURE_VERSION || !hex || !/^[0-9a-f]{64}$/i.test(hex)) return false;
    return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
}
