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
 */
export function errorsByField(details: unknown, fields: readonly string[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const issue of Array.isArray(details) ? details.filter(isIssue) : []) {
    const [root, name] = issue.field.split('.');
    const field = root === 'body' && name !== undefined && fields.includes(name) ? name : '';
    const message = field === '' && issue.field ? `${issue.field}: ${issue.message}` : issue.message;
    byField[field] = byField[field] ? `${byField[field]}; ${message}` : message;
  }
  return byField;
}
