import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const METHOD: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
};

/** Said at every start by design: the recovery-waits worker runs activities only (see recoveryControl.ts). */
function expected(entry: LogEntry): boolean {
  return entry.message.startsWith('No workflows registered') && String(entry.meta?.taskQueue ?? '').endsWith('-recovery-waits');
}

/** The Temporal SDK's log through our pino logger, so a process writes one JSON stream; less what is expected. */
export function sdkLogger(log: Logger, level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, (entry) => {
    if (expected(entry)) return;
    // The failure, if any, is the line's err, so the log's absorber can tell an outage from a bug.
    const { error, ...meta } = entry.meta ?? {};
    log[METHOD[entry.level]]({ temporal: meta, ...(error === undefined ? {} : { err: error }) }, entry.message);
  });
}
