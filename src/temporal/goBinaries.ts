import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

// Temporal's binaries (CLI, server, schema tool) are Go programs: on a machine without
// internet access but with a Go toolchain and a module proxy, `go install` is how we get them.

const run = promisify(execFile);

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The value of an env var naming an executable; null when unset, an error when it isn't one. */
export async function executableFromEnv(name: string): Promise<string | null> {
  const file = process.env[name];
  if (!file) return null;
  if (await isExecutable(file)) return file;
  throw new Error(`${name}=${file} is not an executable file`);
}

/** Where `go install` puts binaries (GOBIN, else the first GOPATH entry's bin); null without Go. */
export async function goBinDir(): Promise<string | null> {
  try {
    const { stdout } = await run('go', ['env', 'GOBIN', 'GOPATH']);
    const [gobin, gopath] = stdout.split('\n').map((line) => line.trim());
    return gobin || path.join(gopath.split(path.delimiter)[0], 'bin');
  } catch {
    return null; // no Go toolchain
  }
}

/** `go install` of one or more packages (`module/path@version`), output to our stderr. */
export function goInstall(packages: string[], what: string, log: (line: string) => void): Promise<void> {
  log(`installing ${what}: go install ${packages.join(' ')} (a few minutes the first time)`);
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['install', ...packages], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${packages.join(' ')} exited with ${code}`))));
  });
}

export interface GoBinary {
  /** File name in the Go bin directory. */
  name: string;
  /** Package to install, with its version: `module/cmd/x@v1.2.3`. */
  goPackage: string;
}

/**
 * The binaries from the Go bin directory, installing the missing ones in one `go install`.
 * Returns null when there is no Go toolchain, so callers can fall back or explain.
 */
export async function goInstalledBinaries(binaries: GoBinary[], what: string, log: (line: string) => void): Promise<string[] | null> {
  const bin = await goBinDir();
  if (!bin) return null;
  const files = binaries.map((binary) => path.join(bin, binary.name));
  const missing = [];
  for (const [i, file] of files.entries()) if (!(await isExecutable(file))) missing.push(binaries[i]);
  if (missing.length === 0) return files;
  await goInstall(missing.map((binary) => binary.goPackage), what, log);
  for (const file of files) {
    if (!(await isExecutable(file))) throw new Error(`go install finished but ${file} is missing`);
  }
  return files;
}
