import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/searchAttributes';
import {
  CHART_DIR, REPO, containers, envNames, findManifest, helm, kinds, probePaths, renderChart, setFlags, type Manifest,
} from '../helpers/helm';
import { useTestStack } from '../helpers/system';

/** Variables the pods may carry that src/config.ts does not read: the tracing SDK's (src/tracing/sdk.ts). */
const RUNTIME_VARIABLES = ['OTEL_SERVICE_NAME'];
const TRACING = { 'config.OTEL_EXPORTER_OTLP_ENDPOINT': 'http://otel-collector.observability:4318', 'config.OTEL_SERVICE_NAME': 'webhooks' };
/** The keys the chart's README asks an existing Secret to hold. */
const EXISTING_SECRET_KEYS = ['DATABASE_URL', 'CONTINUUM_SECRET_KEY', 'CONTINUUM_BOOTSTRAP_API_KEY'];
const TOGGLES_ON = { 'api.autoscaling.enabled': 'true', 'worker.autoscaling.enabled': 'true', 'metrics.serviceMonitor.enabled': 'true' };

const readYaml = async (file: string) => parse(await readFile(path.join(REPO, file), 'utf8'), { merge: true });
const container = (manifests: Manifest[], owner: string) => {
  const found = containers(manifests).find((c) => c.owner === owner);
  if (!found) throw new Error(`no container in ${owner}`);
  return found.container;
};
/** docker-compose's `${NAME:-default}` as compose would read it with NAME unset. */
const composeDefault = (value: string) => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
/** The environment a pod of the chart starts with, from the rendered ConfigMap and Secret. */
const podEnv = (manifests: Manifest[], owner: string) => Object.fromEntries((container(manifests, owner).envFrom ?? []).flatMap((from) => {
  const [kind, ref] = from.configMapRef ? ['ConfigMap', from.configMapRef] : ['Secret', from.secretRef];
  const data = manifests.find((m) => m.kind === kind && m.metadata.name === ref?.name)?.data ?? {};
  return Object.entries(data).map(([key, value]) => [key, from.secretRef ? Buffer.from(value, 'base64').toString() : value]);
}));

describe('Helm chart (deploy/helm/continuum-webhooks)', function () {
  it('passes helm lint --strict, with the toggles off and on', async function () {
    for (const values of [{}, TOGGLES_ON]) {
      const out = await helm(['lint', '--strict', CHART_DIR, ...setFlags(values)]);
      assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('renders the expected objects: toggles off, on, and without hooks or the chart\'s Secret', async function () {
    assert.deepEqual(kinds(await renderChart()),
      ['ConfigMap', 'ConfigMap', 'Deployment', 'Deployment', 'Job', 'Job', 'Secret', 'Secret', 'Service', 'ServiceAccount']);
    const on = await renderChart(TOGGLES_ON);
    assert.deepEqual(kinds(on).filter((k) => k === 'HorizontalPodAutoscaler' || k === 'ServiceMonitor'),
      ['HorizontalPodAutoscaler', 'HorizontalPodAutoscaler', 'ServiceMonitor']);
    assert.equal(findManifest(on, 'Deployment', '-api').spec.replicas, undefined, 'the HPA owns the replica count');
    assert.equal(findManifest(on, 'HorizontalPodAutoscaler', '-worker').spec.scaleTargetRef.name, findManifest(on, 'Deployment', '-worker').metadata.name);

    const bare = await renderChart({ 'secrets.existingSecret': 'ops-managed', 'migrations.enabled': 'false', 'temporal.searchAttributes.register': 'false' },
      ['postgres.url', 'secrets.secretKey']);
    assert.deepEqual(kinds(bare), ['ConfigMap', 'Deployment', 'Deployment', 'Service', 'ServiceAccount']);
    for (const { container: c } of containers(bare)) assert.ok(c.envFrom?.some((from) => from.secretRef?.name === 'ops-managed'), c.name);
  });

  it('refuses to render without Temporal\'s address or the credentials, naming what is missing', async function () {
    for (const missing of ['temporal.address', 'postgres.url', 'secrets.secretKey']) {
      await assert.rejects(renderChart({}, [missing]), (err: Error) => err.message.includes(`${missing} is required`), missing);
    }
  });

  it('gives every pod only variables the processes read, and a configuration they accept', async function () {
    const known = new Set([...CONFIG_VARIABLES, ...RUNTIME_VARIABLES]);
    for (const manifests of [await renderChart({ ...TOGGLES_ON, ...TRACING }), await renderChart({ 'secrets.existingSecret': 'ops-managed' }, ['postgres.url', 'secrets.secretKey'])]) {
      for (const { owner, container: c } of containers(manifests)) {
        const names = envNames(manifests, c, { 'ops-managed': EXISTING_SECRET_KEYS });
        assert.ok(names.length > 0, owner);
        for (const name of names) assert.ok(known.has(name), `${owner} sets ${name}, which src/config.ts does not read`);
      }
    }
    const manifests = await renderChart({ 'secrets.bootstrapApiKey': `ck_${'a'.repeat(43)}`, ...TRACING });
    for (const owner of ['Deployment/cw-continuum-webhooks-api', 'Deployment/cw-continuum-webhooks-worker', 'Job/cw-continuum-webhooks-migrate']) {
      const config = loadConfig(podEnv(manifests, owner));
      assert.equal(config.production, true, owner);
      assert.equal(config.temporalAddress, 'temporal-frontend.temporal:7233');
      assert.equal(config.host, '0.0.0.0', 'reachable from the Service');
      assert.equal(config.allowHttp || config.allowPrivateTargets, false, 'no dev relaxation in production');
      assert.equal(config.otlpEndpoint, TRACING['config.OTEL_EXPORTER_OTLP_ENDPOINT']);
    }
  });

  it('uses the images, commands, settings and versions of docker-compose.yml', async function () {
    const compose = await readYaml('docker-compose.yml');
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8'));
    assert.equal((await readYaml('deploy/helm/continuum-webhooks/Chart.yaml')).appVersion, pkg.version);
    // With the optional bootstrap key given, as compose always passes it (empty by default).
    const manifests = await renderChart({ 'secrets.bootstrapApiKey': `ck_${'a'.repeat(43)}` });
    for (const role of ['api', 'worker']) {
      const c = container(manifests, `Deployment/cw-continuum-webhooks-${role}`);
      assert.equal(compose.services[role].image, `continuum-webhooks:${pkg.version}`);
      assert.equal(c.image, compose.services[role].image, role);
      assert.deepEqual(c.args, compose.services[role].command, role);
      const env = podEnv(manifests, `Deployment/cw-continuum-webhooks-${role}`);
      for (const [name, value] of Object.entries(compose.services[role].environment as Record<string, string>)) {
        assert.ok(name in env, `compose gives ${role} ${name}; the chart does not`);
        if (!['DATABASE_URL', 'TEMPORAL_ADDRESS', 'CONTINUUM_SECRET_KEY', 'CONTINUUM_BOOTSTRAP_API_KEY'].includes(name)) {
          assert.equal(env[name], composeDefault(value), `${role} ${name}`);
        }
      }
    }
    const setup = container(manifests, 'Job/cw-continuum-webhooks-search-attributes');
    assert.equal(setup.image, compose.services['temporal-setup'].image);
    assert.equal(compose.services.temporal.image.split(':')[1], setup.image.split(':')[1], 'admin tools and server: one Temporal version');
    const registered = (script: string) => /for name in ([\w ]+); do/.exec(script)?.[1].split(' ').sort();
    assert.deepEqual(registered(setup.args?.[0] ?? ''), [...SEARCH_ATTRIBUTE_NAMES].sort());
    assert.deepEqual(registered(compose.services['temporal-setup'].command[0]), [...SEARCH_ATTRIBUTE_NAMES].sort());
    const readme = await readFile(path.join(CHART_DIR, 'README.md'), 'utf8');
    assert.ok(readme.includes(compose.services.temporal.image.split(':')[1]), 'the chart README names the Temporal server version compose runs');
  });

  describe('against the real API', function () {
    const ctx = useTestStack({}, ['api']);

    it('serves every path the probes and the ServiceMonitor request', async function () {
      const manifests = await renderChart(TOGGLES_ON);
      const monitor = findManifest(manifests, 'ServiceMonitor', '-api');
      const paths = [...probePaths(manifests), ...monitor.spec.endpoints.map((e: { path: string }) => e.path)];
      assert.deepEqual([...new Set(paths)].sort(), ['/api/v1/webhooks/health', '/metrics']);
      // The answer itself, not only "not 404": health's JSON (200, or 503 while a check lags), the metrics text.
      const health = await fetch(`${ctx.stack.system.apiUrl}/api/v1/webhooks/health`);
      assert.ok([200, 503].includes(health.status), `health: ${health.status}`);
      assert.deepEqual(Object.keys(await health.json() as object).slice(0, 3), ['status', 'database', 'temporal']);
      const metrics = await fetch(`${ctx.stack.system.apiUrl}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^continuum_dependency_up\{/m);
      const api = container(manifests, 'Deployment/cw-continuum-webhooks-api');
      assert.equal(String(api.ports?.[0].containerPort), podEnv(manifests, 'Deployment/cw-continuum-webhooks-api').PORT, 'the probes\' port is the one the API listens on');
      assert.equal(findManifest(manifests, 'Service', '-api').spec.ports[0].targetPort, api.ports?.[0].name);
    });
  });
});
