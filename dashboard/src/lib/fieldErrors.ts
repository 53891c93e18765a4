/** One entry of a 400's `details`: `{field: "body.url", message}`. */
interface FieldIssue {
  field: string;
  message: string;
}

function isIssue(value: unknown): value is FieldIssue {
  return typeof value === 'object' && value !== null
    && typeof (value as FieldIssue).field === 'string' && typeof (value as FieldIssue).message === 'string';
}

/**
 * The API's field errors by form field: "body.url" → url, "body.events.0" → events,
 * "body.headers.X-Id" → headers. Issues that name no field of the form come back under "".
 * For a `listed` field (a list typed as text), an issue about one entry
 * ("body.retry_schedule.2") says which: `entry 3: …`; for a `nested` field (a document typed as
 * text), an issue inside it ("body.filter.data.x.$regex") says where: `data.x.$regex: …`.
 */
export function errorsByField(details: unknown, fields: readonly string[], listed: readonly string[] = [], nested: readonly string[] = []): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const issue of Array.isArray(details) ? details.filter(isIssue) : []) {
    const [root, name, index, ...deeper] = issue.field.split('.');
    const field = root === 'body' && name !== undefined && fields.includes(name) ? name : '';
    let message = field === '' && issue.field ? `${issue.field}: ${issue.message}` : issue.message;
    if (field !== '' && listed.includes(field) && index !== undefined && /^\d+$/.test(index)) message = `entry ${Number(index) + 1}: ${message}`;
    if (field !== '' && nested.includes(field) && index !== undefined) message = `${[index, ...deeper].join('.')}: ${message}`;
    byField[field] = byField[field] ? `${byField[field]}; ${message}` : message;
  }
  return byField;
}
