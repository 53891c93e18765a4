// Verifies a Continuum webhook with Node's standard library only.
//   const { verifyWebhookSignature } = require('./verify_webhook');
//   verifyWebhookSignature({ payload: rawBody, signature, timestamp, secret, maxAge: 300 })
'use strict';
const crypto = require('node:crypto');

function verifyWebhookSignature({ payload, signature, timestamp, secret, maxAge = 300, now }) {
  if (!signature || !secret || !/^\d+$/.test(String(timestamp))) return false;
  const ts = Number(timestamp);
  const current = now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(current - ts) > maxAge) return false; // replay protection
  // Use the raw body exactly as received; re-serialized JSON may differ byte for byte.
  const body = Buffer.isBuffer(payload) ? payload.toString('utf8') : String(payload);
  const expected = crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest();
  // During a secret rotation the header holds one "v1=<hex>" entry per valid secret.
  return String(signature).split(' ').some((entry) => {
    const [version, hex] = entry.split('=');
    if (version !== 'v1' || !/^[0-9a-f]{64}$/i.test(hex || '')) return false;
    return crypto.timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
}

module.exports = { verifyWebhookSignature };

// Command line: node verify_webhook.js <secret> <timestamp> <signature> < body
if (require.main === module) {
  const [secret, timestamp, signature] = process.argv.slice(2);
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const ok = verifyWebhookSignature({ payload: Buffer.concat(chunks), signature, timestamp, secret, maxAge: Number(process.env.MAX_AGE || 300) });
    console.log(ok ? 'valid' : 'invalid');
    process.exit(ok ? 0 : 1);
  });
}
