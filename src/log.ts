import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON logs; secrets and credentials are redacted wherever they appear in a logged object. */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino({
    level,
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
