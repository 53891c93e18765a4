import assert from 'node:assert/strict';
import { nestsDeeperThan, parseJsonBody, roundTrips } from '../../src/api/json';
import { StartupError } from '../../src/config';
import { describeStartupFailure } from '../../src/main';

describe('input rules', function () {
  it('accepts numbers a double holds exactly, however they are spelled', function () {
    for (const literal of ['0', '-0', '0.1', '1.50', '1e2', '1E+2', '-2.5e-3', '9007199254740991', '1e21', '5e-324', '1.7976931348623157e308']) {
      assert.equal(roundTrips(literal), true, literal);
    }
  });

  it('refuses numbers that would reach a receiver changed', function () {
    for (const literal of ['1e400', '-1e400', '1e-400', '9007199254740993', '12345678901234567890', '0.1000000000000000055511151231257827']) {
      assert.equal(roundTrips(literal), false, literal);
    }
  });

  it('measures nesting without recursion, ignoring brackets inside strings', function () {
    assert.equal(nestsDeeperThan(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 32), true);
    assert.equal(nestsDeeperThan(`{"a":"${'['.repeat(100)}\\"["}`, 1), false);
    assert.equal(nestsDeeperThan('{"a":{"b":[1]}}', 3), false);
  });

  it("keeps a member's exact text", function () {
    const body = parseJsonBody('{"event":"x", "data" : { "b":1.50, "a":[ 2 ] } }');
    assert.equal(body.memberText('data'), '{ "b":1.50, "a":[ 2 ] }');
    assert.equal(body.memberText('missing'), undefined);
  });

  it('describes any start-up failure without throwing', function () {
    assert.equal(describeStartupFailure(new StartupError('port 7233 is held by pid 1')), 'port 7233 is held by pid 1');
    assert.equal(describeStartupFailure(undefined), 'start-up failed: undefined');
    assert.match(describeStartupFailure(Object.create(null)), /^start-up failed/);
    assert.match(describeStartupFailure(new Error('boom')), /^start-up failed: Error: boom\n {4}at /);
  });
});
