import { executableFromEnv, goInstalledBinaries, onPath } from './goBinaries';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, `temporal` on PATH, $(go env GOPATH)/bin, then
 * `go install` when Go is present. Returns null when none of these works, meaning "let the
 * SDK download the dev server" (machines with internet access).
 */
export async function resolveTemporalCli(log: (line: string) => void = () => {}): Promise<string | null> {
  const explicit = await executableFromEnv('TEMPORAL_CLI_PATH');
  if (explicit) return explicit;
  const found = await onPath('temporal');
  if (found) return found;
  const installed = await goInstalledBinaries([{ name: 'temporal', goPackage: TEMPORAL_CLI_MODULE }], 'the Temporal CLI', log);
  return installed?.[0] ?? null;
}
