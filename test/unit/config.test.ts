import assert from 'node:assert/strict';
import { ConfigError, loadConfig, parseDuration } from '../../src/config';

describe('config', function () {
  it('has the production defaults of the design when nothing is set', function () {
    const config = loadConfig({ DATABASE_URL: 'postgres://x@localhost/db', TEMPORAL_ADDRESS: 'localhost:7233' });
    assert.deepEqual(config.retryScheduleMs, [1000, 5000, 30_000, 300_000, 1_800_000]);
    assert.equal(config.circuitFailureThreshold, 5);
    assert.equal(config.circuitOpenMs, 300_000);
    assert.equal(config.maxConcurrencyPerEndpoint, 10);
    assert.equal(config.deliveryTimeoutMs, 30_000);
    assert.equal(config.maxDeliveryAgeMs, 72 * 3_600_000);
    assert.equal(config.port, 3000);
    assert.equal(config.taskQueue, 'webhooks');
    assert.equal(config.leaseStartTimeoutMs, 10_000, 'a lease whose workflow never began its attempt frees its slot after 10 s');
    assert.equal(config.workflowCacheSize, 10_000);
    assert.equal(config.allowHttp, false, 'with real infrastructure configured, http stays off');
    assert.equal(config.allowPrivateTargets, false);
    assert.equal(config.host, '0.0.0.0', 'a configured deployment listens on every interface');
    assert.deepEqual(config.retention, { retentionMs: 30 * 86_400_000, intervalMs: 3_600_000, batchSize: 1000 });
    assert.deepEqual(config.warnings, []);
  });

  it('accepts the settings the lease gate retired with a warning that says why, and uses none of them', function () {
    const retired = ['CONTINUUM_ENDPOINT_IDLE_TIMEOUT', 'CONTINUUM_PERMIT_BLOCK_DURATION', 'CONTINUUM_ENDPOINT_PERMITS_PER_RUN', 'CONTINUUM_ENDPOINT_HISTORY_LIMIT'];
    const config = loadConfig(Object.fromEntries(retired.map((name) => [name, '5m'])));
    assert.equal(config.warnings.length, 4);
    for (const name of retired) {
      assert.match(config.warnings.join('\n'), new RegExp(`${name} no longer has any effect and will be refused in the next release: \\w`));
    }
    assert.equal(Object.keys(config).some((key) => /idle|block|permitsPerRun/i.test(key)), false);
  });

  it('refuses the settings retired in the previous release, naming each', function () {
    const removed = { CONTINUUM_ACTIVE_DELIVERIES_PER_ENDPOINT: '100', CONTINUUM_DISPATCH_RECHECK: '250ms', CONTINUUM_ENDPOINT_CHECK_INTERVAL: '1m' };
    assert.throws(() => loadConfig(removed), (err: Error) => err instanceof ConfigError
      && Object.keys(removed).every((name) => new RegExp(`${name}: was retired in the previous release`).test(err.message)));
  });

  it('takes CONTINUUM_LEASE_START_TIMEOUT as a duration and refuses anything else', function () {
    assert.equal(loadConfig({ CONTINUUM_LEASE_START_TIMEOUT: '250ms' }).leaseStartTimeoutMs, 250);
    assert.throws(() => loadConfig({ CONTINUUM_LEASE_START_TIMEOUT: 'soon' }), /CONTINUUM_LEASE_START_TIMEOUT/);
  });

  it('turns the dev relaxations on for the zero-config setup', function () {
    const config = loadConfig({});
    assert.equal(config.allowHttp, true);
    assert.equal(config.allowPrivateTargets, true);
    assert.equal(config.host, '127.0.0.1', 'the dev setup prints a key and accepts loopback targets: loopback only');
    assert.equal(config.devTemporalPort, 7233);
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).host, '0.0.0.0');
  });

  it('parses millisecond schedules for tests', function () {
    assert.deepEqual(loadConfig({ CONTINUUM_RETRY_SCHEDULE: '10ms, 20ms,1s' }).retryScheduleMs, [10, 20, 1000]);
    assert.equal(parseDuration('72h'), 259_200_000);
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ HOST: 'two words' }, /HOST: must be an address/],
    [{ CONTINUUM_RETRY_SCHEDULE: '1s,soon' }, /CONTINUUM_RETRY_SCHEDULE: "soon" is not a duration/],
    [{ CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '0' }, /CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: must be > 0/],
    [{ CONTINUUM_SECRET_KEY: 'c2hvcnQ=' }, /CONTINUUM_SECRET_KEY: must be 32 bytes/],
    [{ CONTINUUM_ALLOW_HTTP: 'maybe' }, /CONTINUUM_ALLOW_HTTP: must be true or false/],
    [{ TEMPORAL_ADDRESS: 'nohost' }, /TEMPORAL_ADDRESS: must be host:port/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL/],
    [{ CONTINUUM_DELIVERY_TIMEOUT: '0s' }, /CONTINUUM_DELIVERY_TIMEOUT: "0s" must be greater than zero/],
    [{ CONTINUUM_RETENTION: 'forever' }, /CONTINUUM_RETENTION: "forever" is not a duration/],
    [{ CONTINUUM_RETENTION_BATCH: '50000' }, /CONTINUUM_RETENTION_BATCH: must be <= 10000/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, function () {
      assert.throws(() => loadConfig(env), (err: Error) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('refuses production without a secret key or real infrastructure', function () {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /CONTINUUM_SECRET_KEY: required[\s\S]*DATABASE_URL: required/);
  });

  it('keeps http and private targets off in production unless set explicitly', function () {
    const base = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x@h/db', TEMPORAL_ADDRESS: 'h:7233', CONTINUUM_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') };
    assert.equal(loadConfig(base).allowHttp, false);
    assert.equal(loadConfig({ ...base, CONTINUUM_ALLOW_HTTP: 'true' }).allowHttp, true);
  });
});
