import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

// What /proc tells about other processes (Linux): enough to recognise our own children after
// a crash, and to name the process in the way when something else holds a port.

/** A process's command line, or null when it is gone (or /proc can't be read). */
export async function commandLine(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0');
    if (args.at(-1) === '') args.pop();
    return args.length > 0 ? args : null;
  } catch {
    return null;
  }
}

/** "pid 1234 (temporal server start-dev --port 7233 …)", or "pid 1234" when /proc says nothing. */
export async function describeProcess(pid: number): Promise<string> {
  const args = await commandLine(pid);
  if (!args) return `pid ${pid}`;
  const text = args.join(' ');
  return `pid ${pid} (${text.length > 160 ? `${text.slice(0, 160)}…` : text})`;
}

/** True when host:port can be bound now. */
export function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Socket inodes listening on a TCP port, from /proc/net/tcp and tcp6. */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "<hex address>:<hex port>"; state 0A is LISTEN.
      if (fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A') inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The process listening on a TCP port, if /proc can tell (same user, or root). */
export async function portHolder(port: number): Promise<number | null> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return null;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return Number(pid);
    }
  }
  return null;
}
