import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verifyWebhookSignature } from '../../src';
import { signatureHeaders } from '../../src/security/signing';
import { generateWebhookSecret, SecretBox } from '../../src/security/secrets';

describe('signing', function () {
  const secret = generateWebhookSecret();
  const body = '{"event":"memory.created","timestamp":"2025-12-06T12:00:00.000Z","tenant_id":"t","data":{}}';
  const ts = 1_765_000_000;

  it('signs "<timestamp>.<body>" with HMAC-SHA256 keyed by the whole secret', function () {
    const headers = signatureHeaders([secret], 'del_1', ts, body);
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    assert.equal(headers['X-Continuum-Signature'], `v1=${expected}`);
    assert.equal(headers['X-Continuum-Timestamp'], String(ts));
  });

  it('verifies, and rejects a changed body, a wrong secret, stale and future timestamps', function () {
    const { 'X-Continuum-Signature': signature } = signatureHeaders([secret], 'del_1', ts, body);
    const ok = { payload: body, signature, timestamp: ts, secret, now: ts + 10 };
    assert.equal(verifyWebhookSignature(ok), true);
    assert.equal(verifyWebhookSignature({ ...ok, payload: Buffer.from(body) }), true);
    assert.equal(verifyWebhookSignature({ ...ok, payload: body.replace('memory', 'memorx') }), false);
    assert.equal(verifyWebhookSignature({ ...ok, secret: generateWebhookSecret() }), false);
    assert.equal(verifyWebhookSignature({ ...ok, now: ts + 301 }), false);
    assert.equal(verifyWebhookSignature({ ...ok, now: ts - 301 }), false);
    assert.equal(verifyWebhookSignature({ ...ok, now: ts + 301, maxAge: 600 }), true);
    assert.equal(verifyWebhookSignature({ ...ok, signature: 'v1=zz' }), false);
    assert.equal(verifyWebhookSignature({ ...ok, signature: undefined }), false);
  });

  it('re-serializes an object payload as the sender does', function () {
    const payload = JSON.parse(body);
    const { 'X-Continuum-Signature': signature } = signatureHeaders([secret], 'del_1', ts, body);
    assert.equal(verifyWebhookSignature({ payload, signature, timestamp: ts, secret, now: ts }), true);
  });

  it('during rotation carries one entry per secret, and either verifies', function () {
    const previous = generateWebhookSecret();
    const headers = signatureHeaders([secret, previous], 'del_1', ts, body);
    assert.equal(headers['X-Continuum-Signature'].split(' ').length, 2);
    for (const key of [secret, previous]) {
      assert.equal(verifyWebhookSignature({ payload: body, signature: headers['X-Continuum-Signature'], timestamp: ts, secret: key, now: ts }), true);
      const standard = new Webhook(`whsec_${key.slice(4)}`);
      assert.deepEqual(standard.verify(body, {
        'webhook-id': headers['webhook-id'], 'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': signatureHeaders([secret, previous], 'del_1', Math.floor(Date.now() / 1000), body)['webhook-signature'],
      }), JSON.parse(body));
    }
  });
});

describe('secrets at rest', function () {
  it('seals with AES-256-GCM: no plaintext stored, tampering detected, wrong key refused', function () {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const secret = generateWebhookSecret();
    const sealed = box.seal(secret);
    assert.ok(!sealed.includes(secret.slice(4, 20)));
    assert.equal(box.open(sealed), secret);
    assert.notEqual(box.seal(secret), sealed, 'a fresh IV each time');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64');
    assert.throws(() => box.open(parts.join('.')), /cannot decrypt/);
    assert.throws(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed), /not the key it was encrypted with/);
  });
});
