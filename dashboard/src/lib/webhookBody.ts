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
  ordering: string;
  /** Durations as typed, separated by commas (or spaces); "" is the installation's schedule. */
  retry_schedule: string;
  /** The filter's JSON as typed; "" is none. */
  filter: string;
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
  ordering?: string;
  retry_schedule?: string[] | null;
  filter?: Record<string, unknown> | null;
}

/** A number field as typed: "" is none; anything else goes to the API as a number (or as typed, for it to refuse). */
function numberOrText(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** The filter as typed: parsed when it is JSON, else the text itself (for the API to refuse, naming the field); null when empty. */
export function filterValue(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The filter as the field shows it. */
export const filterText = (filter: Record<string, unknown> | null | undefined) => (filter ? JSON.stringify(filter, null, 2) : '');

/** What the schedule field shows for an empty schedule (no retry at all), and reads back as one. */
export const NO_RETRIES = 'none';

/**
 * "1s, 30s,5m" → ["1s", "30s", "5m"]; "none" → [] (no retry); null when nothing is typed (the
 * installation's schedule). Entries go as typed, for the API to judge.
 */
export function scheduleEntries(text: string): string[] | null {
  if (text.trim().toLowerCase() === NO_RETRIES) return [];
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== '');
  return entries.length ? entries : null;
}

/** The schedule as the field shows it. */
export function scheduleText(schedule: readonly string[] | null | undefined): string {
  if (!schedule) return '';
  return schedule.length ? schedule.join(', ') : NO_RETRIES;
}

const sameList = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === b || (a !== null && b !== null && a.length === b.length && a.every((item, i) => item === b[i]));

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
  if (values.ordering !== 'none') body.ordering = values.ordering;
  const schedule = scheduleEntries(values.retry_schedule);
  if (schedule !== null) body.retry_schedule = schedule;
  const filter = filterValue(values.filter);
  if (filter !== null) body.filter = filter;
  return body;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((item) => b.includes(item));

/**
 * PATCH body: only what changed; a cleared rate limit or retry schedule is sent as null (the
 * schedule then is the installation's), headers only when entered or cleared.
 */
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
  if (values.ordering !== (original.ordering ?? 'none')) body.ordering = values.ordering;
  const schedule = scheduleEntries(values.retry_schedule);
  if (!sameList(schedule, original.retry_schedule ?? null)) body.retry_schedule = schedule;
  const filter = filterValue(values.filter);
  if (JSON.stringify(filter) !== JSON.stringify(original.filter ?? null)) body.filter = filter;
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
    ordering: original?.ordering ?? 'none',
    retry_schedule: scheduleText(original?.retry_schedule),
    filter: filterText(original?.filter),
  };
}
