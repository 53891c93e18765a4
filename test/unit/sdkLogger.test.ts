import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { sdkLogger } from '../../src/temporal/sdkLogger';

describe('the Temporal SDK log through pino', function () {
  function capture() {
    const lines: Array<Record<string, any>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    return { lines, log: pino({ level: 'trace' }, stream) };
  }

  it('writes SDK entries at or above its level as JSON with their metadata', function () {
    const { lines, log } = capture();
    const logger = sdkLogger(log, 'WARN');
    logger.info('quiet');
    logger.warn('Activity failed', { activityType: 'attemptDelivery' });
    logger.error('Worker failed', { taskQueue: 'webhooks' });
    assert.deepEqual(lines.map((l) => [l.level, l.msg, l.temporal]), [
      [40, 'Activity failed', { activityType: 'attemptDelivery' }],
      [50, 'Worker failed', { taskQueue: 'webhooks' }],
    ]);
  });

  it("drops only the recovery-waits worker's expected 'no workflows' warning", function () {
    const { lines, log } = capture();
    const logger = sdkLogger(log, 'WARN');
    logger.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'webhooks-recovery-waits' });
    logger.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'webhooks' });
    assert.deepEqual(lines.map((l) => l.temporal.taskQueue), ['webhooks']);
  });
});
