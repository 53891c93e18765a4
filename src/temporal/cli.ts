import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

async function goBinDir(): Promise<string | null> {
  try {
    const { stdout } = await run('go', ['env', 'GOPATH']);
    return path.join(stdout.trim().split(path.delimiter)[0], 'bin');
  } catch {
    return null; // no Go toolchain
  }
}

function goInstall(log: (line: string) => void): Promise<void> {
  log(`installing the Temporal CLI: go install ${TEMPORAL_CLI_MODULE} (a few minutes the first time)`);
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['install', TEMPORAL_CLI_MODULE], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install exited with ${code}`))));
  });
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, `temporal` on PATH, $(go env GOPATH)/bin, then
 * `go install` when Go is present. Returns null when none of these works, meaning "let the
 * SDK download the dev server" (machines with internet access).
 */
export async function resolveTemporalCli(log: (line: string) => void = () => {}): Promise<string | null> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
  }
  const found = await onPath('temporal');
  if (found) return found;
  const bin = await goBinDir();
  if (!bin) return null;
  const installed = path.join(bin, 'temporal');
  if (await isExecutable(installed)) return installed;
  await goInstall(log);
  if (await isExecutable(installed)) return installed;
  throw new Error(`go install ${TEMPORAL_CLI_MODULE} finished but ${installed} is missing`);
}
