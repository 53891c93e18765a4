/** What the webhook form holds: every field as typed. */
export interface WebhookFormValues {
  name: string;
  url: string;
  description: string;
  events: string[];
  active: boolean;
  max_concurrency: string;
  rate_limit_per_s: string;
  headers: Array<{ name: string; value: string }>;
  clear_headers: boolean;
}

/** The webhook as the API returned it, as far as the form edits it. */
export interface WebhookFields {
  name: string;
  url: string;
  description: string | null;
  events: string[];
  active: boolean;
  max_concurrency: number;
  rate_limit_per_s?: number | null;
}

/** A number field as typed: "" is none; anything else goes to the API as a number (or as typed, for it to refuse). */
function numberOrText(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

function headerObject(rows: WebhookFormValues['headers']): Record<string, string> | null {
  const filled = rows.filter((row) => row.name.trim() !== '');
  return filled.length ? Object.fromEntries(filled.map((row) => [row.name.trim(), row.value])) : null;
}

/** POST /webhooks body: optional fields only when filled in (so it works before the API knows them). */
export function createBody(values: WebhookFormValues): Record<string, unknown> {
  const body: Record<string, unknown> = { name: values.name, url: values.url.trim(), events: values.events, active: values.active };
  if (values.description.trim()) body.description = values.description;
  const concurrency = numberOrText(values.max_concurrency);
  if (concurrency !== null) body.max_concurrency = concurrency;
  const rate = numberOrText(values.rate_limit_per_s);
  if (rate !== null) body.rate_limit_per_s = rate;
  const headers = headerObject(values.headers);
  if (headers) body.headers = headers;
  return body;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((item) => b.includes(item));

/** PATCH body: only what changed; a cleared rate limit is sent as null, headers only when entered or cleared. */
export function patchBody(values: WebhookFormValues, original: WebhookFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (values.name !== original.name) body.name = values.name;
  if (values.url.trim() !== original.url) body.url = values.url.trim();
  if (values.description !== (original.description ?? '')) body.description = values.description === '' ? null : values.description;
  if (!sameSet(values.events, original.events)) body.events = values.events;
  if (values.active !== original.active) body.active = values.active;
  const concurrency = numberOrText(values.max_concurrency);
  if (concurrency !== null && concurrency !== original.max_concurrency) body.max_concurrency = concurrency;
  const rate = numberOrText(values.rate_limit_per_s);
  if (rate !== (original.rate_limit_per_s ?? null)) body.rate_limit_per_s = rate;
  const headers = headerObject(values.headers);
  if (headers) body.headers = headers;
  else if (values.clear_headers) body.headers = {};
  return body;
}

/** The form's starting values: blank for a new webhook, the webhook's own for an edit. */
export function initialValues(original?: WebhookFields): WebhookFormValues {
  return {
    name: original?.name ?? '',
    url: original?.url ?? '',
    description: original?.description ?? '',
    events: original ? [...original.events] : [],
    active: original?.active ?? true,
    max_concurrency: original ? String(original.max_concurrency) : '',
    rate_limit_per_s: original?.rate_limit_per_s ? String(original.rate_limit_per_s) : '',
    headers: [],
    clear_headers: false,
  };
}
