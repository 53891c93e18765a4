import assert from 'node:assert/strict';
import { recoverSchema, redeliverSchema } from '../../src/api/recoverySchemas';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** The fields a refused body's issues name. */
function refusedFields(schema: typeof recoverSchema | typeof redeliverSchema, body: unknown): string[] {
  const parsed = schema.safeParse(body);
  assert.equal(parsed.success, false, `expected ${JSON.stringify(body)} to be refused`);
  return parsed.error!.issues.map((issue) => issue.path.join('.'));
}

describe('recover and redeliver input rules', function () {
  it('defaults: until now, statuses dead_lettered; duplicates removed', function () {
    const before = Date.now();
    const parsed = recoverSchema.parse({ since: ago(HOUR) });
    assert.deepEqual(parsed.statuses, ['dead_lettered']);
    assert.ok(parsed.until.getTime() >= before && parsed.until.getTime() <= Date.now());
    assert.deepEqual(recoverSchema.parse({ since: ago(HOUR), statuses: ['cancelled', 'cancelled', 'succeeded'] }).statuses, ['cancelled', 'succeeded']);
  });

  it('accepts a window of exactly 14 days with offsets in the timestamps', function () {
    const until = new Date(Date.now() - HOUR);
    const since = new Date(until.getTime() - 14 * 24 * HOUR);
    const parsed = recoverSchema.parse({ since: since.toISOString().replace('Z', '+00:00'), until: until.toISOString() });
    assert.equal(parsed.until.getTime() - parsed.since.getTime(), 14 * 24 * HOUR);
  });

  it('refuses each bad field, naming it', function () {
    assert.deepEqual(refusedFields(recoverSchema, {}), ['since']);
    assert.deepEqual(refusedFields(recoverSchema, { since: 'yesterday' }), ['since']);
    assert.deepEqual(refusedFields(recoverSchema, { since: '2026-01-01' }), ['since']);
    assert.deepEqual(refusedFields(recoverSchema, { since: ago(HOUR), until: new Date(Date.now() + HOUR).toISOString() }), ['until']);
    assert.deepEqual(refusedFields(recoverSchema, { since: ago(HOUR), until: ago(2 * HOUR) }), ['until']);
    assert.deepEqual(refusedFields(recoverSchema, { since: new Date(Date.now() + HOUR).toISOString() }), ['since']);
    assert.deepEqual(refusedFields(recoverSchema, { since: ago(15 * 24 * HOUR) }), ['since']);
    assert.deepEqual(refusedFields(recoverSchema, { since: ago(HOUR), statuses: ['retrying'] }), ['statuses.0']);
    assert.deepEqual(refusedFields(recoverSchema, { since: ago(HOUR), statuses: [] }), ['statuses']);
    assert.deepEqual(refusedFields(recoverSchema, { since: ago(HOUR), status: ['dead_lettered'] }), ['']);
  });

  it('redeliver: webhook ids by shape, at least one, no other field', function () {
    assert.deepEqual(redeliverSchema.parse({}), {});
    assert.deepEqual(refusedFields(redeliverSchema, { webhook_ids: [] }), ['webhook_ids']);
    assert.deepEqual(refusedFields(redeliverSchema, { webhook_ids: ['wh_0123456789abcdefghjkmnpqrs', 'evt_0123456789abcdefghjkmnpqrs'] }), ['webhook_ids.1']);
    assert.deepEqual(refusedFields(redeliverSchema, { webhooks: [] }), ['']);
  });
});
