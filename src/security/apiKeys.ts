import { createHash, randomBytes } from 'node:crypto';

/** A new API key: ck_ + base64url of 32 random bytes. Shown once; only its hash is stored. */
export function generateApiKey(): string {
  return `ck_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is enough here: the key carries 256 bits of randomness, so there is nothing to brute-force. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The first characters, stored so operators can tell keys apart without the key itself. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, 10);
}
