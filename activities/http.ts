import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';
import { Agent, request, type Dispatcher } from 'undici';
import { isPermittedAddress, type UrlPolicy } from '../src/security/urlPolicy';

const RESPONSE_BODY_LIMIT = 1024;
const MAX_RETRY_AFTER_MS = 30 * 60_000;

export interface PostResult {
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  retryAfterMs: number | null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for sockets that refuses non-public answers. The socket connects to the
 * address vetted here, so a DNS answer that changes between check and connect can't reach a
 * private network (no second lookup).
 */
export function vettingLookup(policy: UrlPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => !isPermittedAddress(a.address, policy));
      if (refused) {
        const blocked = Object.assign(new Error(`blocked target: ${hostname} resolves to non-public ${refused.address}`), {
          code: 'EBLOCKEDTARGET',
        });
        return callback(blocked, []);
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/** One keep-alive connection pool for all deliveries of a worker. */
export function createHttpAgent(policy: UrlPolicy): Agent {
  return new Agent({
    connections: 64,
    keepAliveTimeout: 10_000,
    connect: { lookup: vettingLookup(policy) as never },
  });
}

/** POSTs the body once. Never throws for HTTP or network failures: they are attempt outcomes. */
export async function postWebhook(
  httpAgent: Dispatcher,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // Redirects are never followed: undici's request() only follows them when asked to.
    const response = await request(url, { method: 'POST', body, headers, dispatcher: httpAgent, signal,
      headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const responseBody = await readPrefix(response.body, RESPONSE_BODY_LIMIT);
    return {
      statusCode: response.statusCode,
      responseBody,
      error: response.statusCode >= 200 && response.statusCode < 300 ? null : `HTTP ${response.statusCode}`,
      retryAfterMs: [429, 503].includes(response.statusCode) ? parseRetryAfter(response.headers['retry-after']) : null,
    };
  } catch (err) {
    return { statusCode: null, responseBody: null, error: describeError(err, timeoutMs), retryAfterMs: null };
  }
}

async function readPrefix(stream: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) {
      stream.destroy(); // the rest of a large response is of no use to us
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Retry-After in seconds or as an HTTP date, capped at 30 minutes. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms) || ms <= 0) return null;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `timeout: no complete response within ${timeoutMs} ms`;
  }
  if (code === 'EBLOCKEDTARGET') return e.message ?? e.cause?.message ?? 'blocked target';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'DNS lookup failed';
  const detail = e.message ?? e.cause?.message ?? String(err);
  return code ? `${code}: ${detail}` : detail;
}
