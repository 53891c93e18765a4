import type { SecretBox } from './secrets';

/** A webhook's custom headers: name → value, sent with every attempt. */
export type CustomHeaders = Record<string, string>;

export const MAX_CUSTOM_HEADERS = 20;
/** Names and values together, in bytes (all ASCII: one byte per character). */
export const MAX_CUSTOM_HEADER_BYTES = 8192;
/** What reads show instead of a value: nothing of it, not even its length. */
export const MASKED_HEADER_VALUE = '********';

/**
 * Names a tenant may not set: those describing our body and connection, our own signature
 * headers and the Standard Webhooks ones, plus the hop-by-hop and framing headers that the
 * HTTP client refuses or that would break the request (Keep-Alive, Upgrade, Expect, TE, Trailer).
 */
const RESERVED_NAMES = new Set([
  'content-type', 'host', 'user-agent', 'content-length', 'connection', 'transfer-encoding',
  'keep-alive', 'upgrade', 'expect', 'te', 'trailer',
]);
const RESERVED_PREFIXES = ['x-continuum-', 'webhook-'];

/** RFC 9110 token: one or more tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, with spaces and tabs allowed inside (not first or last: HTTP strips them). */
const VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$/;

/** Why this name can't be a custom header, or null when it can. */
export function headerNameProblem(name: string): string | null {
  if (!TOKEN.test(name)) return 'is not a valid header name (RFC 9110 token: letters, digits and !#$%&\'*+-.^_`|~)';
  const lower = name.toLowerCase();
  if (RESERVED_NAMES.has(lower)) return 'is set by Continuum Webhooks and cannot be a custom header';
  const prefix = RESERVED_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix) return `starts with ${prefix}, reserved for the signature headers`;
  return null;
}

/** Why this value can't be sent, or null when it can. */
export function headerValueProblem(value: string): string | null {
  if (VALUE.test(value)) return null;
  if (/^[\t ]|[\t ]$/.test(value)) return 'value may not begin or end with a space or tab';
  return 'value must be visible ASCII (spaces and tabs inside allowed; no CR, LF or other control characters)';
}

/** Headers stored: the set sealed as JSON, and its names in the clear for masked reads. */
export interface SealedHeaders {
  headers_ciphertext: string | null;
  header_names: string[];
}

export function sealHeaders(box: SecretBox, headers: CustomHeaders | null | undefined): SealedHeaders {
  const names = Object.keys(headers ?? {});
  if (!headers || names.length === 0) return { headers_ciphertext: null, header_names: [] };
  return { headers_ciphertext: box.seal(JSON.stringify(headers)), header_names: names };
}

export function openHeaders(box: SecretBox, ciphertext: string | null): CustomHeaders {
  return ciphertext === null ? {} : (JSON.parse(box.open(ciphertext)) as CustomHeaders);
}

/** What reads show: every name, no value. */
export function maskHeaders(names: string[]): CustomHeaders {
  return Object.fromEntries(names.map((name) => [name, MASKED_HEADER_VALUE]));
}
