import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A prefixed, time-ordered id (48-bit millisecond time + 80 random bits), so ids sort
 * roughly by creation and are unguessable: `wh_…`, `evt_…`, `del_…`, `rec_…`.
 */
export function newId(prefix: 'wh' | 'evt' | 'del' | 'key' | 'rec' | 'ps', now = Date.now()): string {
  const time = Buffer.alloc(6);
  time.writeUIntBE(now, 0, 6);
  return `${prefix}_${base32(Buffer.concat([time, randomBytes(10)]))}`;
}

const ID_SHAPE = /^(wh|evt|del|key|rec|ps)_[0-9a-z]{26}$/;

/** True when `value` has the shape newId gives ids of this prefix. */
export function isId(prefix: 'wh' | 'evt' | 'del' | 'key' | 'rec' | 'ps', value: string): boolean {
  const match = ID_SHAPE.exec(value);
  return match !== null && match[1] === prefix;
}
