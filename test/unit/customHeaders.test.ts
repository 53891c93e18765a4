import assert from 'node:assert/strict';
import { customHeadersSchema } from '../../src/api/customHeaderSchema';
import { headerNameProblem, headerValueProblem, maskHeaders, openHeaders, sealHeaders } from '../../src/security/customHeaders';
import { SecretBox } from '../../src/security/secrets';

describe('custom header rules', function () {
  it('accepts RFC 9110 tokens and refuses ours, the framing ones and non-tokens, in any case', function () {
    for (const name of ['Authorization', 'X-Route-Key', "a!#$%&'*+-.^_`|~9", 'X-Continuum', 'Webhook', 'X-Webhook-Id']) {
      assert.equal(headerNameProblem(name), null, name);
    }
    const refused = ['content-type', 'HOST', 'User-Agent', 'content-length', 'Connection', 'transfer-encoding', 'Keep-Alive',
      'upgrade', 'Expect', 'TE', 'trailer', 'X-Continuum-Signature', 'x-continuum-foo', 'Webhook-Id', 'webhook-foo',
      '', 'Bad Name', 'x:y', 'caf\u00e9', 'a\r\nb', '(x)'];
    for (const name of refused) assert.notEqual(headerNameProblem(name), null, JSON.stringify(name));
  });

  it('accepts visible ASCII with inner spaces and tabs; refuses controls, CR/LF, non-ASCII and edge whitespace', function () {
    for (const value of ['', 'a', 'Bearer abc.def', 'a\tb', '~!@#$%^&*()"\'']) assert.equal(headerValueProblem(value), null, JSON.stringify(value));
    for (const value of [' a', 'a ', '\ta', 'a\r\nb', 'a\nb', 'a\rb', 'a\u0000b', 'a\u007fb', 'caf\u00e9', '\u2028']) {
      assert.notEqual(headerValueProblem(value), null, JSON.stringify(value));
    }
  });

  it('counts headers and bytes, and finds case-insensitive repeats, naming the header each time', function () {
    const paths = (input: unknown) => {
      const parsed = customHeadersSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-${i}`, 'v']));
    assert.deepEqual(paths(twenty), []);
    assert.deepEqual(paths({ ...twenty, 'X-20': 'v' }), ['X-20']);
    assert.deepEqual(paths({ 'X-A': 'a'.repeat(8189) }), [], 'exactly 8192 bytes');
    assert.deepEqual(paths({ 'X-A': 'a'.repeat(8190) }), ['X-A']);
    assert.deepEqual(paths({ 'X-A': 'a'.repeat(8000), 'X-B': 'b'.repeat(100), 'X-C': 'c'.repeat(100) }), ['X-C'], 'only the one that crosses the limit');
    assert.deepEqual(paths({ 'X-Key': 'a', 'x-key': 'b' }), ['x-key']);
    assert.deepEqual(paths(JSON.parse('{"__proto__": "x"}')), ['__proto__']);
    assert.deepEqual(paths({ 'X-N': 5 }), ['X-N']);
    assert.deepEqual(paths(['a']), ['']);
  });

  it('seals the set, opens it back, and masks every value', function () {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = sealHeaders(box, { Authorization: 'Bearer t0ken', 'X-Empty': '' });
    assert.deepEqual(sealed.header_names, ['Authorization', 'X-Empty']);
    assert.doesNotMatch(sealed.headers_ciphertext as string, /t0ken/);
    assert.deepEqual(openHeaders(box, sealed.headers_ciphertext), { Authorization: 'Bearer t0ken', 'X-Empty': '' });
    assert.deepEqual(sealHeaders(box, {}), { headers_ciphertext: null, header_names: [] });
    assert.deepEqual(sealHeaders(box, null), { headers_ciphertext: null, header_names: [] });
    assert.deepEqual(openHeaders(box, null), {});
    assert.deepEqual(maskHeaders(sealed.header_names), { Authorization: '********', 'X-Empty': '********' });
  });
});
