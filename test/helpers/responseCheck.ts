import assert from 'node:assert/strict';
import { RESPONSES } from '../../src/api/responseRoutes';
import { errorBody } from '../../src/api/responses';
import type { ZodType } from 'zod';

/** Route keys ("METHOD /path/{param}") whose real responses were checked in this process, by status. */
export const checkedResponses = new Map<string, Set<number>>();

/** The route key a concrete request path ("/api/v1/webhooks/wh_…") matches, if any. */
export function matchRoute(method: string, path: string): string | undefined {
  const clean = path.split('?')[0];
  return Object.keys(RESPONSES).find((key) => {
    const [keyMethod, template] = key.split(' ');
    if (keyMethod !== method.toUpperCase()) return false;
    if (!new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(clean)) return false;
    // /webhooks/health is its own route, never a webhook id.
    return !(template.startsWith('/api/v1/webhooks/{webhookId}') && /^\/api\/v1\/webhooks\/health(\/|$)/.test(clean));
  });
}

/** Paths in `original` that the schema's output dropped: fields the schema does not document. */
function undocumented(original: unknown, parsed: unknown, at = ''): string[] {
  if (Array.isArray(original) && Array.isArray(parsed)) return original.flatMap((item, i) => undocumented(item, parsed[i], `${at}[${i}]`));
  if (!original || typeof original !== 'object' || !parsed || typeof parsed !== 'object') return [];
  return Object.entries(original).flatMap(([key, value]) => (key in parsed
    ? undocumented(value, (parsed as Record<string, unknown>)[key], `${at}.${key}`)
    : [`${at}.${key}`]));
}

function checkBody(what: string, schema: ZodType, body: unknown): void {
  const parsed = schema.safeParse(body);
  assert.ok(parsed.success, `${what}: the body does not match its schema in src/api/responses.ts: ${parsed.error?.message}\n${JSON.stringify(body).slice(0, 2000)}`);
  assert.deepEqual(undocumented(body, parsed.data), [], `${what}: fields missing from its schema in src/api/responses.ts`);
}

/**
 * Checks a real response against the documented schemas: a success body against its route's
 * (and its status must be documented), an error body against the error schema.
 */
export function checkResponse(method: string, path: string, status: number, body: unknown): void {
  const key = matchRoute(method, path);
  const documented = key ? RESPONSES[key] : undefined;
  const what = `${method} ${path} → ${status}`;
  if (documented && status in documented) {
    const spec = documented[status];
    if (spec) checkBody(what, spec.schema, body);
    else assert.equal(body, '', `${what}: documented without a body`);
    if (key) checkedResponses.set(key, (checkedResponses.get(key) ?? new Set()).add(status));
  } else if (status >= 400) {
    if (body && typeof body === 'object') checkBody(what, errorBody, body);
  } else if (documented) {
    assert.fail(`${what}: status ${status} is not documented for ${key} in src/api/responseRoutes.ts`);
  }
}
