import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EXAMPLES = path.resolve(__dirname, '../../../examples');

export interface Vector {
  body: string;
  timestamp: string;
  signature: string;
  secret: string;
}

/** The example verifiers, each run as its own language runs it, fed a vector on stdin. */
export const VERIFIERS: Record<string, (v: Vector) => string[]> = {
  python: (v) => ['python3', path.join(EXAMPLES, 'verify_webhook.py'), v.secret, v.timestamp, v.signature],
  node: (v) => [process.execPath, path.join(EXAMPLES, 'verify_webhook.js'), v.secret, v.timestamp, v.signature],
  go: (v) => ['go', 'run', path.join(EXAMPLES, 'verify_webhook.go'), v.secret, v.timestamp, v.signature],
};

/** True when the verifier prints "valid" and exits 0; false when it prints "invalid" and exits 1. */
export async function verifyWith(language: string, vector: Vector): Promise<boolean> {
  const [command, ...args] = VERIFIERS[language](vector);
  const child = run(command, args, { env: { ...process.env, GOFLAGS: '-mod=mod' } });
  child.child.stdin?.end(vector.body);
  try {
    const { stdout } = await child;
    if (stdout.trim() !== 'valid') throw new Error(`${language} exited 0 but printed ${stdout}`);
    return true;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (e.code === 1 && e.stdout?.trim() === 'invalid') return false;
    throw new Error(`${language} verifier failed: ${e.stderr ?? (err as Error).message}`);
  }
}
