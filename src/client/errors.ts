/**
 * A request the API refused or could not answer. `status` is the HTTP status (0 when no
 * response arrived), `code` the API's error code (`validation_error`, `not_found`,
 * `read_only`, …; `network_error` or `http_error` when the body was not the API's error).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The field errors of a validation_error, by field name ("body.url" → its message). */
  fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    if (!Array.isArray(this.details)) return fields;
    for (const issue of this.details as Array<{ field?: unknown; message?: unknown }>) {
      if (typeof issue?.field === 'string' && typeof issue.message === 'string') fields[issue.field] ??= issue.message;
    }
    return fields;
  }
}

/** Reads a non-2xx response as an ApiError, whatever its body holds. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = body?.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      return new ApiError(response.status, error.code, error.message, error.details ?? null);
    }
  } catch {
    // not JSON: described below by its status
  }
  return new ApiError(response.status, 'http_error', `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
}
