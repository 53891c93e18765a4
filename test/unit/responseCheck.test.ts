import assert from 'node:assert/strict';
import { checkResponse, matchRoute } from '../helpers/responseCheck';

const webhook = {
  id: 'wh_1', url: 'https://example.com/h', events: ['memory.created'], name: 'n', description: null, active: true, max_concurrency: 10,
  disabled_reason: null, disabled_at: null, rate_limit_per_s: null, headers: {}, ordering: 'none', retry_schedule: null, filter: null,
  created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', secret: 'whs_****',
};

describe('response checks against the documented schemas', function () {
  it('matches request paths to routes, never taking /webhooks/health for an id', function () {
    assert.equal(matchRoute('get', '/api/v1/webhooks/health'), 'GET /api/v1/webhooks/health');
    assert.equal(matchRoute('GET', '/api/v1/webhooks/wh_1/stats/timeseries?window=1h'), 'GET /api/v1/webhooks/{webhookId}/stats/timeseries');
    assert.equal(matchRoute('DELETE', '/api/v1/portal/sessions/ps_1'), 'DELETE /api/v1/portal/sessions/{portalSessionId}');
    assert.equal(matchRoute('PUT', '/api/v1/webhooks/wh_1'), undefined);
  });

  it('accepts a documented body and refuses a wrong type, a missing field or an undocumented one', function () {
    checkResponse('PATCH', '/api/v1/webhooks/wh_1', 200, webhook);
    assert.throws(() => checkResponse('PATCH', '/api/v1/webhooks/wh_1', 200, { ...webhook, active: 'yes' }), /does not match its schema/);
    const withoutSecret: Partial<typeof webhook> = { ...webhook };
    delete withoutSecret.secret;
    assert.throws(() => checkResponse('PATCH', '/api/v1/webhooks/wh_1', 200, withoutSecret), /does not match its schema/);
    assert.throws(() => checkResponse('GET', '/api/v1/webhooks', 200, { data: [{ ...webhook, colour: 'red' }], total: 1, limit: 100, offset: 0 }), /\.data\[0\]\.colour/);
  });

  it('refuses an undocumented success status and a malformed error body; 204 has no body', function () {
    assert.throws(() => checkResponse('PATCH', '/api/v1/webhooks/wh_1', 201, webhook), /not documented/);
    checkResponse('GET', '/api/v1/webhooks/wh_1', 404, { error: { code: 'not_found', message: 'm', details: null } });
    assert.throws(() => checkResponse('GET', '/api/v1/webhooks/wh_1', 404, { error: { code: 'not_found' } }), /does not match/);
    checkResponse('DELETE', '/api/v1/webhooks/wh_1', 204, '');
    assert.throws(() => checkResponse('DELETE', '/api/v1/webhooks/wh_1', 204, { deleted: true }), /without a body/);
  });
});
