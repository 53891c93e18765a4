import assert from 'node:assert/strict';
import { timeseriesRange } from '../../src/db/repositories/timeseries';

describe('timeseries range', function () {
  it('ends with the bucket holding now, aligned to the bucket since the epoch, window / bucket long', function () {
    const now = new Date('2026-03-04T10:37:12.345Z');
    const hourly = timeseriesRange(now, 24 * 3_600_000, 3_600_000);
    assert.deepEqual([hourly.start.toISOString(), hourly.end.toISOString()], ['2026-03-03T11:00:00.000Z', '2026-03-04T11:00:00.000Z']);
    const fiveMinutes = timeseriesRange(now, 3_600_000, 300_000);
    assert.deepEqual([fiveMinutes.start.toISOString(), fiveMinutes.end.toISOString()], ['2026-03-04T09:40:00.000Z', '2026-03-04T10:40:00.000Z']);
    const onTheHour = timeseriesRange(new Date('2026-03-04T10:00:00.000Z'), 2 * 3_600_000, 3_600_000);
    assert.equal(onTheHour.end.toISOString(), '2026-03-04T11:00:00.000Z', 'a bucket holds its start');
  });
});
