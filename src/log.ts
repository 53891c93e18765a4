import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Takes some warning and error lines instead of the log (a dependency's failures while it is away). */
export interface LogAbsorber {
  absorb(fields: object, message: unknown): boolean;
}

const WARN = 40;

/**
 * JSON logs; secrets and credentials are redacted wherever they appear in a logged object.
 * With an absorber, warnings and errors it takes are not written (it summarizes them).
 */
export function createLogger(level = 'info', destination?: DestinationStream, absorber?: LogAbsorber): Logger {
  return pino({
    level,
    hooks: {
      logMethod(args, method, lineLevel) {
        const [fields, message] = args as unknown[];
        if (absorber && lineLevel >= WARN && typeof fields === 'object' && fields !== null && absorber.absorb(fields, message)) return;
        method.apply(this, args);
      },
    },
    redact: {
      paths: [
        'secret', '*.secret', 'key', '*.key', 'apiKey', '*.apiKey',
        'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
        'secret_ciphertext', '*.secret_ciphertext', 'previous_secret_ciphertext', '*.previous_secret_ciphertext',
        'secretKey', '*.secretKey', 'bootstrapApiKey', '*.bootstrapApiKey',
      ],
      censor: '[redacted]',
    },
  }, destination);
}
