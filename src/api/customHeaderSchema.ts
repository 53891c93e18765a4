import { z } from 'zod';
import { echo } from '../errors';
import {
  headerNameProblem, headerValueProblem, MAX_CUSTOM_HEADER_BYTES, MAX_CUSTOM_HEADERS,
} from '../security/customHeaders';

type Issue = { path: string[]; message: string };

/** Every problem of a headers object, each at the header it is about (body.headers.<name>). */
function headerIssues(headers: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, string>();
  let bytes = 0;
  let oversize = false;
  Object.entries(headers).forEach(([name, value], index) => {
    const at = (message: string) => issues.push({ path: [name], message: `header ${echo(name)} ${message}` });
    // A valid token, but a parsed record would drop it without a word.
    const nameProblem = name === '__proto__' ? 'is not accepted as a header name' : headerNameProblem(name);
    if (nameProblem) at(nameProblem);
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) at(`repeats ${echo(earlier)} (header names are case-insensitive)`);
    seen.set(name.toLowerCase(), name);
    if (typeof value === 'string') {
      const valueProblem = headerValueProblem(value);
      if (valueProblem) at(valueProblem);
      bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    }
    if (index === MAX_CUSTOM_HEADERS) at(`is one too many: at most ${MAX_CUSTOM_HEADERS} custom headers`);
    if (bytes > MAX_CUSTOM_HEADER_BYTES && !oversize) at(`takes the headers past ${MAX_CUSTOM_HEADER_BYTES} bytes (names and values together)`);
    oversize = bytes > MAX_CUSTOM_HEADER_BYTES;
  });
  return issues;
}

/**
 * `headers` of a webhook: checked on the raw object (a parsed record would silently drop a
 * `__proto__` key), then typed as a record of strings.
 */
export const customHeadersSchema = z.unknown()
  .superRefine((input, ctx) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return; // the record below says what it wants
    for (const issue of headerIssues(input as Record<string, unknown>)) ctx.addIssue({ code: 'custom', ...issue });
  })
  .pipe(z.record(z.string(), z.string()))
  .meta({
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: MAX_CUSTOM_HEADERS,
    description: `Custom headers sent with every attempt (name → value). At most ${MAX_CUSTOM_HEADERS}, `
      + `${MAX_CUSTOM_HEADER_BYTES} bytes of names and values in all; names are RFC 9110 tokens, case-insensitively unique; `
      + 'values visible ASCII (spaces and tabs inside). Refused names: Content-Type, Host, User-Agent, Content-Length, '
      + 'Connection, Transfer-Encoding, Keep-Alive, Upgrade, Expect, TE, Trailer, X-Continuum-*, webhook-*. '
      + 'Stored encrypted; reads show the names with masked values. On PATCH the whole set is replaced; {} or null removes it.',
  });
