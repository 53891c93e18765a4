import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { isWorkflowNotFound } from '../../src/temporal/client';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_DELIVERY_AGE_MS } from '../../workflows/defaults';
import { attemptTimeoutMs, loadConfig } from '../../src/config';
import { DELIVERY_STATUSES, breakerOutcome } from '../../workflows/statuses';

describe('shared workflow helpers', function () {
  it('breakerOutcome: a success closes the circuit, a cancelled delivery tells it nothing, anything else is a failure', function () {
    assert.deepEqual(Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, breakerOutcome(s)])), {
      pending: 'failure', in_flight: 'failure', retrying: 'failure', waiting_circuit: 'failure',
      succeeded: 'success', dead_lettered: 'failure', cancelled: 'none',
    });
  });

  it('isWorkflowNotFound: the SDK error and a bare gRPC NOT_FOUND, nothing else', function () {
    assert.equal(isWorkflowNotFound(new WorkflowNotFoundError('gone', 'delivery:del_x', undefined)), true);
    assert.equal(isWorkflowNotFound(Object.assign(new Error('not found'), { code: 5 })), true);
    assert.equal(isWorkflowNotFound(Object.assign(new Error('unavailable'), { code: 14 })), false);
    assert.equal(isWorkflowNotFound(new Error('boom')), false);
    assert.equal(isWorkflowNotFound(undefined), false);
  });

  it('the workflow falls back to the defaults the configuration has', function () {
    const config = loadConfig({ DATABASE_URL: 'postgres://x@localhost/db', TEMPORAL_ADDRESS: 'localhost:7233' });
    assert.equal(attemptTimeoutMs(config), DEFAULT_ATTEMPT_TIMEOUT_MS);
    assert.equal(config.maxDeliveryAgeMs, DEFAULT_MAX_DELIVERY_AGE_MS);
  });
});
