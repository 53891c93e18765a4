import assert from 'node:assert/strict';
import { checkFilter, compileFilter, explainFilter, FilterCache, type Filter, type FilterDocument } from '../../src/events/filters';

const episodic: FilterDocument = {
  event: 'memory.created',
  data: { memory_id: 'mem_1', memory_type: 'episodic', importance: 0.8, concepts: ['AI', 'consciousness'], meta: { source: { app: 'notes' } } },
};
const quota: FilterDocument = { event: 'quota.warning', data: { quota_type: 'memory_storage', percentage_used: 85 } };

/** Each filter against both events: [filter, matches episodic, matches quota]. */
const TABLE: Array<[Filter, boolean, boolean]> = [
  [{ event: 'memory.created' }, true, false],
  [{ event: { $eq: 'quota.warning' } }, false, true],
  [{ event: { $ne: 'quota.warning' } }, true, false],
  [{ 'data.importance': { $gt: 0.8 } }, false, false],
  [{ 'data.importance': { $gte: 0.8 } }, true, false],
  [{ 'data.importance': { $lt: 0.8 } }, false, false],
  [{ 'data.importance': { $lte: 0.8 } }, true, false],
  [{ 'data.percentage_used': { $gte: 80, $lt: 90 } }, false, true],
  [{ 'data.memory_type': { $in: ['episodic', 'semantic'] } }, true, false],
  [{ 'data.memory_type': { $nin: ['episodic'] } }, false, true],
  [{ 'data.concepts': 'AI' }, true, false],
  [{ 'data.concepts': { $in: ['physics', 'consciousness'] } }, true, false],
  [{ 'data.importance': { $exists: true } }, true, false],
  [{ 'data.importance': { $exists: false } }, false, true],
  [{ 'data.meta.source.app': 'notes' }, true, false],
  [{ 'data.meta.source.app': { $exists: true, $ne: 'mail' } }, true, false],
  [{ 'data.importance': { $not: { $gte: 0.5 } } }, false, true],
  [{ $and: [{ event: 'memory.created' }, { 'data.importance': { $gte: 0.5 } }] }, true, false],
  [{ $or: [{ 'data.memory_type': 'semantic' }, { 'data.percentage_used': { $gt: 80 } }] }, false, true],
  [{ $not: { event: 'memory.created' } }, false, true],
  [{ $or: [{ $and: [{ event: 'memory.created' }, { 'data.concepts': 'AI' }] }, { 'data.quota_type': 'api_calls' }] }, true, false],
  [{ 'data.missing.deeper': { $exists: false } }, true, true],
];

describe('webhook filters (sift, limited to the documented operators)', function () {
  it('a table of filters × events: every operator, nested paths, arrays', function () {
    for (const [filter, onEpisodic, onQuota] of TABLE) {
      assert.deepEqual(checkFilter(filter), [], `${JSON.stringify(filter)} is accepted`);
      const test = compileFilter(filter);
      assert.equal(test(episodic), onEpisodic, `${JSON.stringify(filter)} on memory.created`);
      assert.equal(test(quota), onQuota, `${JSON.stringify(filter)} on quota.warning`);
    }
  });

  it('refuses unknown operators, $where, other fields, bad operands, too deep and too big, naming the place', function () {
    const refused: Array<[unknown, string, RegExp]> = [
      [{ 'data.content_preview': { $regex: 'AI' } }, 'data.content_preview.$regex', /unknown operator \$regex/],
      [{ $where: 'this.data.importance > 0.5' }, '$where', /unknown operator \$where/],
      [{ $or: [{ event: 'memory.created' }, { 'data.x': { $elemMatch: { a: 1 } } }] }, '$or.1.data.x.$elemMatch', /unknown operator/],
      [{ tenant_id: 'tenant_a' }, 'tenant_id', /names "event", "data"/],
      [{ 'data.tags': { $in: 'a' } }, 'data.tags.$in', /takes an array/],
      [{ 'data.tags': { $exists: 'yes' } }, 'data.tags.$exists', /true or false/],
      [{ $and: [] }, '$and', /non-empty array/],
      [{ 'data.a': { $not: 3 } }, 'data.a.$not', /takes operators/],
      [{ data: { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } } }, '', /at most 8 levels/],
      [{ 'data.memory_type': { $in: Array.from({ length: 600 }, (_, i) => `type-${i}`) } }, '', /at most 4096 bytes/],
    ];
    for (const [filter, path, message] of refused) {
      const issues = checkFilter(filter);
      assert.ok(issues.some((i) => i.path === path && message.test(i.message)), `${JSON.stringify(filter).slice(0, 80)}: ${JSON.stringify(issues)}`);
    }
  });

  it('explains a miss by the first condition that fails, in the filter\'s order', function () {
    const filter = { event: 'memory.created', 'data.importance': { $gte: 0.9 }, 'data.memory_type': 'semantic' };
    assert.deepEqual(explainFilter(filter, episodic), { matches: false, failed: { path: 'data.importance', condition: { $gte: 0.9 }, actual: 0.8 } });
    assert.deepEqual(explainFilter({ $and: [{ event: 'memory.created' }, { 'data.nope': { $exists: true } }] }, episodic),
      { matches: false, failed: { path: '$and.1.data.nope', condition: { $exists: true } } });
    assert.deepEqual(explainFilter(filter, quota).failed?.path, 'event');
    assert.deepEqual(explainFilter({ 'data.importance': { $gte: 0.5 } }, episodic), { matches: true, failed: null });
    assert.deepEqual(explainFilter(null, quota), { matches: true, failed: null });
  });

  it('compiles each filter once, however many events it sees', function () {
    const cache = new FilterCache(2);
    // Keyed by the filter's text as stored (the column read as text).
    const filter = JSON.stringify({ 'data.importance': { $gte: 0.5 } });
    for (let i = 0; i < 100; i++) assert.equal(cache.matches(filter, episodic), true);
    assert.equal(cache.matches(null, quota), true, 'no filter: every event');
    assert.equal((cache as unknown as { compiled: Map<string, unknown> }).compiled.size, 1);
    cache.matches('{"event":"a"}', quota);
    cache.matches('{"event":"b"}', quota);
    assert.equal((cache as unknown as { compiled: Map<string, unknown> }).compiled.size, 2, 'bounded');
  });
});
