import { randomBytes } from 'node:crypto';
import { hashApiKey } from './apiKeys';

export const PORTAL_TOKEN_PREFIX = 'cpt_';

/** A new portal token: cpt_ + base64url of 32 random bytes (256 bits). Shown once; only its hash is stored. */
export function generatePortalToken(): string {
  return `${PORTAL_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The same SHA-256 as API keys: a 256-bit random token leaves nothing to brute-force. */
export const hashPortalToken = hashApiKey;
