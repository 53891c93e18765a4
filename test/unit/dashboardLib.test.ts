import assert from 'node:assert/strict';
import { niceCeiling, stackedBars, valueBars } from '../../dashboard/src/lib/chartGeometry';
import { errorsByField } from '../../dashboard/src/lib/fieldErrors';
import { percent } from '../../dashboard/src/lib/format';
import { takePortalToken } from '../../dashboard/src/lib/fragment';
import { lastPageOffset, pageView } from '../../dashboard/src/lib/paging';
import { createBody, initialValues, patchBody } from '../../dashboard/src/lib/webhookBody';

const bucket = (succeeded: number, failed = 0, pending = 0, cancelled = 0) => ({ succeeded, failed, pending, cancelled });

describe('dashboard (pure parts)', function () {
  it('takes a portal token out of the fragment and keeps the rest of it', function () {
    assert.deepEqual(takePortalToken('#portal=cpt_abc'), { token: 'cpt_abc', rest: '' });
    assert.deepEqual(takePortalToken('#portal=cpt_abc&tab=x'), { token: 'cpt_abc', rest: '#tab=x' });
    assert.deepEqual(takePortalToken('#tab=x'), { token: null, rest: '#tab=x' });
    assert.deepEqual(takePortalToken(''), { token: null, rest: '' });
    assert.deepEqual(takePortalToken('#portal='), { token: null, rest: '' });
  });

  it('puts the API\'s field errors beside their form fields, the rest at the top', function () {
    const details = [
      { field: 'body.url', message: 'port 22 is not allowed' },
      { field: 'body.events.0', message: 'must be one of: …' },
      { field: 'body.events.1', message: 'again' },
      { field: 'body.headers.X-Id', message: 'reserved' },
      { field: 'query.limit', message: 'too big' },
      { bogus: true },
    ];
    assert.deepEqual(errorsByField(details, ['url', 'events', 'headers']), {
      url: 'port 22 is not allowed',
      events: 'must be one of: …; again',
      headers: 'reserved',
      '': 'query.limit: too big',
    });
    assert.deepEqual(errorsByField(null, ['url']), {});
  });

  it('scales stacked bars to a readable maximum, succeeded at the bottom', function () {
    assert.deepEqual([0, 1, 3, 10, 11, 240, 501].map(niceCeiling), [1, 1, 5, 10, 20, 500, 1000]);
    const { max, bars } = stackedBars([bucket(0), bucket(6, 2, 1, 1)], 100, 50);
    assert.equal(max, 10);
    assert.deepEqual(bars[0].segments, [], 'an empty hour draws no segment');
    assert.deepEqual(bars[1].segments.map((s) => [s.outcome, s.y, s.height]), [
      ['succeeded', 20, 30], ['failed', 10, 10], ['pending', 5, 5], ['cancelled', 0, 5],
    ]);
    assert.equal(bars[1].x, 57.5);
    assert.deepEqual(valueBars([0, 40, 80], 100), { max: 100, heights: [0, 40, 80] });
  });

  it('sends only filled-in optional fields on create, and only changes on edit', function () {
    const values = { ...initialValues(), name: 'A', url: ' https://x.example/h ', events: ['memory.created'] };
    assert.deepEqual(createBody(values), { name: 'A', url: 'https://x.example/h', events: ['memory.created'], active: true });
    assert.deepEqual(createBody({ ...values, max_concurrency: '3', rate_limit_per_s: 'abc', headers: [{ name: 'X-Id', value: '1' }, { name: ' ', value: 'x' }] }), {
      name: 'A', url: 'https://x.example/h', events: ['memory.created'], active: true, max_concurrency: 3, rate_limit_per_s: 'abc', headers: { 'X-Id': '1' },
    });

    const original = { name: 'A', url: 'https://x.example/h', description: null, events: ['memory.created', 'sync.failed'], active: true, max_concurrency: 10, rate_limit_per_s: 5 };
    const unchanged = { ...initialValues(original), events: ['sync.failed', 'memory.created'] };
    assert.deepEqual(patchBody(unchanged, original), {}, 'same events in another order is no change');
    assert.deepEqual(patchBody({ ...unchanged, rate_limit_per_s: '', description: 'd', active: false }, original), { rate_limit_per_s: null, description: 'd', active: false });
    assert.deepEqual(patchBody({ ...unchanged, clear_headers: true }, original), { headers: {} });
    assert.deepEqual(patchBody(initialValues({ ...original, rate_limit_per_s: undefined }), { ...original, rate_limit_per_s: undefined }), {},
      'an API without rate limits is never sent one');
  });

  it('pages 20 at a time: the range shown, its neighbours, and where an emptied page moves', function () {
    assert.deepEqual(pageView(0, 45), { from: 1, to: 20, previous: null, next: 20 });
    assert.deepEqual(pageView(20, 45), { from: 21, to: 40, previous: 0, next: 40 });
    assert.deepEqual(pageView(40, 45), { from: 41, to: 45, previous: 20, next: null });
    assert.deepEqual(pageView(0, 20), { from: 1, to: 20, previous: null, next: null }, 'exactly one full page');
    assert.deepEqual(pageView(0, 0), { from: 0, to: 0, previous: null, next: null });
    assert.deepEqual(pageView(5, 12, 5), { from: 6, to: 10, previous: 0, next: 10 });
    assert.deepEqual([lastPageOffset(45), lastPageOffset(40), lastPageOffset(20), lastPageOffset(1), lastPageOffset(0)], [40, 20, 0, 0, 0]);
  });

  it('shows the API\'s percentages, and none when nothing was delivered', function () {
    assert.equal(percent(100, 4), '100 %');
    assert.equal(percent(97.5, 40), '97.5 %');
    assert.equal(percent(1, 100), '1 %');
    assert.equal(percent(0, 0), '—');
  });
});
