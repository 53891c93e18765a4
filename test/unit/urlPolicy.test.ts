import assert from 'node:assert/strict';
import { checkWebhookUrl, isPublicAddress, UrlPolicyError } from '../../src/security/urlPolicy';
import { parseRetryAfter } from '../../activities/http';
import { newId } from '../../src/db/ids';
import { HOSTILE_URLS } from '../fixtures/hostileUrls';

const strict = { allowHttp: false, allowPrivateTargets: false };
const noDns = async () => ['93.184.216.34'];

describe('URL policy', function () {
  // The API's hostile suite, here without a server: names resolve through a fake DNS.
  const fakeDns = async (host: string) => (host === 'localhost' ? ['127.0.0.1', '::1'] : ['93.184.216.34']);
  for (const [url, reason] of HOSTILE_URLS) {
    it(`refuses ${url}`, async function () {
      await assert.rejects(checkWebhookUrl(url, strict, fakeDns), (err: Error) => err instanceof UrlPolicyError && reason.test(err.message));
    });
  }

  it('accepts a public https URL and refuses a hostname resolving to a private address', async function () {
    assert.equal((await checkWebhookUrl('https://hooks.example.com/x', strict, noDns)).hostname, 'hooks.example.com');
    await assert.rejects(checkWebhookUrl('https://rebind.example.com/', strict, async () => ['93.184.216.34', '10.0.0.1']), /non-public address \(10\.0\.0\.1\)/);
  });

  it('classifies embedded IPv4 forms by the address they carry', function () {
    for (const address of ['64:ff9b::7f00:1', '2002:7f00:1::', '::7f00:1', 'fe80::1', 'fc00::1', '100.64.0.1', '198.18.0.1', '192.0.0.8']) {
      assert.equal(isPublicAddress(address), false, address);
    }
    for (const address of ['93.184.216.34', '2606:4700::1111', '64:ff9b::5db8:d822']) assert.equal(isPublicAddress(address), true, address);
  });
});

describe('Retry-After', function () {
  it('reads seconds and HTTP dates, caps at 30 minutes, ignores junk', function () {
    assert.equal(parseRetryAfter('7'), 7000);
    assert.equal(parseRetryAfter('99999'), 30 * 60_000);
    assert.equal(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)), 10_000);
    assert.equal(parseRetryAfter('soon'), null);
    assert.equal(parseRetryAfter(undefined), null);
  });
});

describe('ids', function () {
  it('are prefixed, unique and sort by creation time', function () {
    const a = newId('del', 1_700_000_000_000);
    const b = newId('del', 1_700_000_000_001);
    assert.match(a, /^del_[0-9a-z]{26}$/);
    assert.ok(a < b);
    assert.notEqual(newId('wh'), newId('wh'));
  });
});
