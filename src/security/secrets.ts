import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A webhook signing secret: whs_ + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whs_${randomBytes(32).toString('base64')}`;
}

/** What list/get responses show instead of the secret. */
export function maskSecret(): string {
  return `whs_${'*'.repeat(32)}`;
}

/** Encrypts secrets at rest with AES-256-GCM: "v1.<iv>.<tag>.<ciphertext>" (base64 parts). */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64'))).join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unrecognised secret ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('cannot decrypt a webhook secret: CONTINUUM_SECRET_KEY is not the key it was encrypted with');
    }
  }
}
