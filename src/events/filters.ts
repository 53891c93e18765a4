import { $and, $eq, $exists, $gt, $gte, $in, $lt, $lte, $ne, $nin, $not, $or, createQueryTester } from 'sift';

// A webhook's `filter`: conditions on the event body (`event`, `data.*`) in the MongoDB query
// language, evaluated by sift restricted to the operators below (docs/delivery.md, "Filters"). Checked
// once when a webhook is created or changed; compiled once per filter text, not per event.

const OPERATIONS = { $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $and, $or, $not };
export const FILTER_OPERATORS = Object.keys(OPERATIONS);
/** What a field's condition may use ($and and $or join whole conditions, not a field's). */
const FIELD_OPERATORS = FILTER_OPERATORS.filter((op) => op !== '$and' && op !== '$or');
export const MAX_FILTER_BYTES = 4096;
export const MAX_FILTER_DEPTH = 8;

export type Filter = Record<string, unknown>;
/** What a filter is tested against: the body a receiver gets, less what is the same for all. */
export interface FilterDocument {
  event: string;
  data: unknown;
}
export interface FilterIssue {
  /** Inside the filter, e.g. "data.importance.$regex" ("" for the whole filter). */
  path: string;
  message: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
const isOperatorObject = (value: unknown) => isObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (isObject(value)) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

/** The issues of a query object (top level, or inside $and/$or/$not). */
function checkQuery(query: unknown, path: string, issues: FilterIssue[]): void {
  if (!isObject(query)) {
    issues.push({ path, message: 'must be an object of conditions' });
    return;
  }
  for (const [key, value] of Object.entries(query)) {
    const at = join(path, key);
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) issues.push({ path: at, message: `${key} takes a non-empty array of conditions` });
      else value.forEach((sub, i) => checkQuery(sub, join(at, i), issues));
    } else if (key === '$not') {
      checkQuery(value, at, issues);
    } else if (key.startsWith('$')) {
      issues.push({ path: at, message: `unknown operator ${key} here: use $and, $or, $not, or a condition on a field with ${FIELD_OPERATORS.join(', ')}` });
    } else if (key !== 'event' && key !== 'data' && !key.startsWith('data.')) {
      issues.push({ path: at, message: 'a condition names "event", "data" or a path under it ("data.memory_type")' });
    } else if (isOperatorObject(value)) {
      checkOperators(value as Record<string, unknown>, at, issues);
    }
  }
}

/** The issues of a field's operator object, e.g. {"$gte": 0.5, "$lt": 1}. */
function checkOperators(operators: Record<string, unknown>, path: string, issues: FilterIssue[]): void {
  for (const [op, operand] of Object.entries(operators)) {
    const at = join(path, op);
    if (!FIELD_OPERATORS.includes(op)) issues.push({ path: at, message: `unknown operator ${op} here: use ${FIELD_OPERATORS.join(', ')}` });
    else if ((op === '$in' || op === '$nin') && !Array.isArray(operand)) issues.push({ path: at, message: `${op} takes an array` });
    else if (op === '$exists' && typeof operand !== 'boolean') issues.push({ path: at, message: '$exists takes true or false' });
    else if (op === '$not' && !isOperatorObject(operand)) issues.push({ path: at, message: '$not takes operators, e.g. {"$gt": 3}' });
    else if (op === '$not') checkOperators(operand as Record<string, unknown>, at, issues);
  }
}

/** Everything wrong with a filter, each at its path; [] when it may be stored. */
export function checkFilter(filter: unknown): FilterIssue[] {
  const size = Buffer.byteLength(JSON.stringify(filter) ?? '');
  if (size > MAX_FILTER_BYTES) return [{ path: '', message: `must be at most ${MAX_FILTER_BYTES} bytes as JSON (is ${size})` }];
  if (depthOf(filter) > MAX_FILTER_DEPTH) return [{ path: '', message: `may nest at most ${MAX_FILTER_DEPTH} levels deep` }];
  const issues: FilterIssue[] = [];
  checkQuery(filter, '', issues);
  if (issues.length === 0) {
    try {
      compileFilter(filter as Filter);
    } catch (err) {
      issues.push({ path: '', message: (err as Error).message });
    }
  }
  return issues;
}

export function compileFilter(filter: Filter): (doc: FilterDocument) => boolean {
  return createQueryTester<FilterDocument, Filter>(filter, { operations: OPERATIONS as never });
}

/**
 * Compiled filters by their JSON text, as stored (the column read as text): each is parsed and
 * compiled once, however many events it sees, and an event costs a lookup per webhook.
 * Bounded (oldest dropped first) so a process serving many webhooks keeps a working set.
 */
export class FilterCache {
  private readonly compiled = new Map<string, (doc: FilterDocument) => boolean>();

  constructor(private readonly maxEntries = 10_000) {}

  matches(filterText: string | null | undefined, doc: FilterDocument): boolean {
    if (!filterText) return true;
    let tester = this.compiled.get(filterText);
    if (!tester) {
      tester = compileFilter(JSON.parse(filterText) as Filter);
      if (this.compiled.size >= this.maxEntries) this.compiled.delete(this.compiled.keys().next().value as string);
      this.compiled.set(filterText, tester);
    }
    return tester(doc);
  }
}

/** One condition of a filter as the test endpoint reports it. */
export interface FailedCondition {
  path: string;
  condition: unknown;
  /** The value found at the condition's field (absent: the field is missing, or a logical condition). */
  actual?: unknown;
}

function valueAt(doc: FilterDocument, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), doc);
}

/** The top-level conditions in order, $and's parts taken one by one. */
function conditionsOf(filter: Filter, prefix = ''): Array<{ path: string; query: Filter; field: string | null }> {
  return Object.entries(filter).flatMap(([key, value]) => {
    if (key === '$and' && Array.isArray(value)) return value.flatMap((sub, i) => conditionsOf(sub as Filter, `${join(prefix, '$and')}.${i}`));
    return [{ path: join(prefix, key), query: { [key]: value }, field: key.startsWith('$') ? null : key }];
  });
}

/** Whether the event matches, and if not the first condition that fails (in the filter's order). */
export function explainFilter(filter: Filter | null, doc: FilterDocument): { matches: boolean; failed: FailedCondition | null } {
  if (!filter || compileFilter(filter)(doc)) return { matches: true, failed: null };
  const failing = conditionsOf(filter).find((c) => !compileFilter(c.query)(doc));
  if (!failing) return { matches: false, failed: null };
  const actual = failing.field === null ? undefined : valueAt(doc, failing.field);
  return { matches: false, failed: { path: failing.path, condition: Object.values(failing.query)[0], ...(actual === undefined ? {} : { actual }) } };
}

// A memo of a pure function (compiling a filter's text), shared by every caller in the process.
const shared = new FilterCache();

/** The webhooks whose filter (if any) the event matches. */
export function matchingFilter<T extends { filter_text: string | null }>(webhooks: T[], doc: FilterDocument): T[] {
  return webhooks.filter((w) => shared.matches(w.filter_text, doc));
}
