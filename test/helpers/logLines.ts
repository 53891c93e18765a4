/** One JSON log line a process wrote (pino's fields). */
export interface LogLine {
  level: number;
  msg?: string;
  dependency?: string;
  [field: string]: unknown;
}

export const LEVEL = { info: 30, warn: 40, error: 50 } as const;

/** The JSON log lines in a process's output (its banner and other text skipped). */
export function logLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut by the output buffer's limit
    }
  }
  return lines;
}

/** Collects what a process writes from now on (its output buffer keeps only the tail). */
export class OutputTap {
  private text = '';
  private active = true;

  constructor(target: { onOutput: ((chunk: string) => void) | null }) {
    const previous = target.onOutput;
    target.onOutput = (chunk) => {
      previous?.(chunk);
      if (this.active) this.text += chunk;
    };
  }

  /** The lines written since the tap was made; later ones are no longer kept. */
  close(): LogLine[] {
    this.active = false;
    return logLines(this.text);
  }

  lines(): LogLine[] {
    return logLines(this.text);
  }
}
