import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import { EVENT_TYPES, isOperationalEventType, OPERATIONAL_EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../../src/events/catalogue';
import {
  circuitNotice, deadLetterNotice, disabledNotice, disabledReason, OPERATIONAL_KEY_PREFIX, reportsDeadLetter, type CircuitChange,
} from '../../src/events/operationalData';
import { publishEventSchema } from '../../src/api/schemas';
import { autoDisableCheckIntervalMs } from '../../src/webhooks/autoDisable';

const webhook = { id: 'wh_a', tenant_id: 't_1', name: 'orders', url: 'https://example.com/hook' };
const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:05:00.000Z');
const change = (c: Partial<CircuitChange>): CircuitChange => ({ webhook, state: 'open', previousOpenSince: null, openSince: T0, ...c });

describe('operational events (pure rules)', function () {
  it('catalogue: the four operational types are subscribable and not among the publishable ones', function () {
    assert.deepEqual([...OPERATIONAL_EVENT_TYPES], ['webhook.circuit_opened', 'webhook.circuit_closed', 'webhook.disabled', 'delivery.dead_lettered']);
    for (const type of OPERATIONAL_EVENT_TYPES) {
      assert.ok((SUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(type));
      assert.ok(!(EVENT_TYPES as readonly string[]).includes(type));
      assert.ok(isOperationalEventType(type));
    }
    assert.equal(isOperationalEventType('memory.created'), false);
    assert.equal(publishEventSchema.safeParse({ event: 'webhook.disabled', data: {} }).success, false, 'not publishable');
  });

  it('a tenant may not use the reserved idempotency key prefix', function () {
    const refused = publishEventSchema.safeParse({ event: 'user.created', data: {}, idempotency_key: `${OPERATIONAL_KEY_PREFIX}x` });
    assert.equal(refused.success, false);
    assert.deepEqual(refused.error?.issues[0].path, ['idempotency_key']);
    assert.equal(publishEventSchema.safeParse({ event: 'user.created', data: {}, idempotency_key: 'continuum-x' }).success, true);
  });

  it('circuit_opened when an open period begins, keyed by the period start, about the webhook only', function () {
    const notice = circuitNotice(change({}), 3, T1);
    assert.ok(notice);
    assert.equal(notice.type, 'webhook.circuit_opened');
    assert.equal(notice.aboutWebhookId, 'wh_a');
    assert.equal(notice.tenantId, 't_1');
    assert.equal(notice.key, `continuum:webhook.circuit_opened:wh_a:${T0.getTime()}`);
    assert.deepEqual(notice.data, {
      webhook_id: 'wh_a', webhook_name: 'orders', webhook_url: 'https://example.com/hook', state: 'open', opened_at: T0.toISOString(), consecutive_failures: 3,
    });
  });

  it('nothing within an open period: half-open, and open again after a failed probe', function () {
    assert.equal(circuitNotice(change({ state: 'half_open', previousOpenSince: T0 }), 3, T1), null);
    assert.equal(circuitNotice(change({ state: 'open', previousOpenSince: T0 }), 3, T1), null);
    assert.equal(circuitNotice(change({ state: 'closed', previousOpenSince: null, openSince: null }), 3, T1), null, 'closed while closed (a reset)');
  });

  it('circuit_closed when the period ends, with how long it was open', function () {
    const notice = circuitNotice(change({ state: 'closed', previousOpenSince: T0, openSince: null }), 3, T1);
    assert.ok(notice);
    assert.equal(notice.type, 'webhook.circuit_closed');
    assert.equal(notice.key, `continuum:webhook.circuit_closed:wh_a:${T0.getTime()}`);
    assert.deepEqual(notice.data, {
      webhook_id: 'wh_a', webhook_name: 'orders', webhook_url: 'https://example.com/hook', opened_at: T0.toISOString(), closed_at: T1.toISOString(), open_seconds: 300,
    });
  });

  it('dead letters of operational events and tests are not reported (no notices about notices)', function () {
    assert.equal(reportsDeadLetter('memory.created'), true);
    assert.equal(reportsDeadLetter('quota.exceeded'), true);
    for (const type of OPERATIONAL_EVENT_TYPES) assert.equal(reportsDeadLetter(type), false, type);
    assert.equal(reportsDeadLetter('webhook.test'), false);
  });

  it('delivery.dead_lettered names the delivery, event, attempts and last outcome; keyed per attempt count', function () {
    const dead = {
      webhook, delivery_id: 'del_1', event_id: 'evt_1', event_type: 'memory.created', attempt_count: 6, last_status_code: 500, last_error: 'HTTP 500', completed_at: T1,
    };
    const notice = deadLetterNotice(dead, T0);
    assert.equal(notice.type, 'delivery.dead_lettered');
    assert.equal(notice.key, 'continuum:delivery.dead_lettered:del_1:6');
    assert.deepEqual(notice.data, {
      webhook_id: 'wh_a', webhook_name: 'orders', webhook_url: 'https://example.com/hook', delivery_id: 'del_1', event_id: 'evt_1',
      event_type: 'memory.created', attempt_count: 6, last_status_code: 500, last_error: 'HTTP 500', dead_lettered_at: T1.toISOString(),
    });
    assert.notEqual(deadLetterNotice({ ...dead, attempt_count: 7 }, T0).key, notice.key, 'dead again after a manual retry: a new notice');
  });

  it('webhook.disabled gives the reason, keyed by the open period', function () {
    assert.equal(disabledReason(T0), 'circuit_open_since 2026-01-01T00:00:00.000Z');
    const notice = disabledNotice(webhook, T0, T1, 4);
    assert.equal(notice.type, 'webhook.disabled');
    assert.equal(notice.key, `continuum:webhook.disabled:wh_a:${T0.getTime()}`);
    assert.equal(notice.data.reason, 'circuit_open_since 2026-01-01T00:00:00.000Z');
    assert.equal(notice.data.disabled_at, T1.toISOString());
    assert.equal(notice.data.cancelled_deliveries, 4);
  });
});

describe('auto-disable settings', function () {
  it('CONTINUUM_AUTO_DISABLE_AFTER defaults to 5 days, parses durations and refuses nonsense', function () {
    assert.equal(loadConfig({}).autoDisableAfterMs, 5 * 86_400_000);
    assert.equal(loadConfig({ CONTINUUM_AUTO_DISABLE_AFTER: '2s' }).autoDisableAfterMs, 2000);
    assert.throws(() => loadConfig({ CONTINUUM_AUTO_DISABLE_AFTER: 'soon' }), /CONTINUUM_AUTO_DISABLE_AFTER/);
    assert.throws(() => loadConfig({ CONTINUUM_AUTO_DISABLE_AFTER: '0s' }), /CONTINUUM_AUTO_DISABLE_AFTER/);
  });

  it('checks a tenth as often as the setting, between 100 ms and a minute', function () {
    assert.equal(autoDisableCheckIntervalMs(5 * 86_400_000), 60_000);
    assert.equal(autoDisableCheckIntervalMs(2000), 200);
    assert.equal(autoDisableCheckIntervalMs(50), 100);
  });
});
