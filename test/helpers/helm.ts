import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { executableFromEnv, goBinDir, isExecutable } from '../../src/temporal/goBinaries';

const run = promisify(execFile);

export const REPO = path.resolve(__dirname, '../../..');
export const CHART_DIR = path.join(REPO, 'deploy/helm/continuum-webhooks');
/** The version .ci/run installs. */
export const HELM_PACKAGE = 'helm.sh/helm/v4/cmd/helm@v4.3.2';

/** Values the chart refuses to render without (external addresses and credentials). */
export const REQUIRED_VALUES: Record<string, string> = {
  'temporal.address': 'temporal-frontend.temporal:7233',
  'postgres.url': 'postgres://continuum:pw@postgres.example.internal:5432/continuum',
  'secrets.secretKey': Buffer.alloc(32, 7).toString('base64'),
};

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  [probe: string]: unknown;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: any;
}

/** HELM_PATH, else helm in the Go bin directory; never skipped: missing helm fails the test. */
export async function helmBinary(): Promise<string> {
  const fromEnv = await executableFromEnv('HELM_PATH');
  if (fromEnv) return fromEnv;
  const bin = await goBinDir();
  if (bin && (await isExecutable(path.join(bin, 'helm')))) return path.join(bin, 'helm');
  throw new Error(`helm not found: set HELM_PATH, or go install ${HELM_PACKAGE} (.ci/run does)`);
}

/** Runs helm; a failure rejects with helm's own message. */
export async function helm(args: string[]): Promise<string> {
  try {
    return (await run(await helmBinary(), args, { maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const { stderr, stdout } = err as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${stderr || stdout || (err as Error).message}`);
  }
}

/** `--set` flags: the required values except those in `without`, then these (which win). */
export function setFlags(values: Record<string, string> = {}, without: string[] = []): string[] {
  const required = Object.entries(REQUIRED_VALUES).filter(([key]) => !without.includes(key));
  return [...required, ...Object.entries(values)].flatMap(([key, value]) => ['--set', `${key}=${value}`]);
}

/** The chart rendered by `helm template` with these values, as parsed objects. */
export async function renderChart(values: Record<string, string> = {}, without: string[] = []): Promise<Manifest[]> {
  const out = await helm(['template', 'cw', CHART_DIR, ...setFlags(values, without)]);
  return parseAllDocuments(out).map((doc) => doc.toJSON() as Manifest | null).filter((m): m is Manifest => m !== null);
}

export const kinds = (manifests: Manifest[]) => manifests.map((m) => m.kind).sort();

export function findManifest(manifests: Manifest[], kind: string, nameSuffix: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name.endsWith(nameSuffix));
  if (!found) throw new Error(`no ${kind} named *${nameSuffix} in ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}

/** Every container of the Deployments and Jobs, with the name of the object it runs in. */
export function containers(manifests: Manifest[]): Array<{ owner: string; container: Container }> {
  return manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
    .flatMap((m) => (m.spec.template.spec.containers as Container[]).map((container) => ({ owner: `${m.kind}/${m.metadata.name}`, container })));
}

/**
 * The environment variable names a container gets: its env entries and the keys of the
 * ConfigMaps and Secrets it takes whole (those rendered with it; `external` for one the
 * chart only names).
 */
export function envNames(manifests: Manifest[], container: Container, external: Record<string, string[]> = {}): string[] {
  const keysOf = (kind: string, name: string) => {
    const rendered = manifests.find((m) => m.kind === kind && m.metadata.name === name);
    const keys = rendered ? Object.keys(rendered.data ?? {}) : external[name];
    if (!keys) throw new Error(`${container.name} takes its environment from ${kind}/${name}, which is neither rendered nor known`);
    return keys;
  };
  return [
    ...(container.env ?? []).map((e) => e.name),
    ...(container.envFrom ?? []).flatMap((from) => (from.configMapRef ? keysOf('ConfigMap', from.configMapRef.name) : keysOf('Secret', from.secretRef?.name ?? ''))),
  ];
}

/** The HTTP paths the pods' probes request. */
export function probePaths(manifests: Manifest[]): string[] {
  return containers(manifests).flatMap(({ container }) => ['startupProbe', 'livenessProbe', 'readinessProbe']
    .map((probe) => (container[probe] as { httpGet?: { path: string } } | undefined)?.httpGet?.path)
    .filter((p): p is string => p !== undefined));
}
