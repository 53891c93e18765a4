import assert from 'node:assert/strict';

/** Validates a document against the official OpenAPI 3.1 JSON schema. */
export async function validate(document: unknown): Promise<void> {
  // ESM-only package: loaded with a real dynamic import.
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const validator = new Validator();
  const result = await validator.validate(document as never);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
}
