import assert from 'node:assert/strict';
import { verifyWebhookSignature } from '../../src';
import type { Receiver } from '../helpers/receiver';
import { useTestStack, type TestSystem } from '../helpers/system';

// What the issue saw: `importance` arriving before `concepts`, and big integers as floats.
// Key order the schema would choose differently, integer-like keys (a JS object puts them
// first), numbers spelled in ways JSON.stringify would change, escapes, astral characters,
// nested arrays and the producer's own whitespace.
const PRODUCER_DATA = '{"memory_id":"mem_raw1","content_preview":"Discussed AI consciousness...",'
  + '"concepts":["AI","consciousness"],"importance":0.8,"zeta":1,"alpha":{"b":2,"a":1},'
  + '"10":"ten","2":"two","big":9007199254740991,"negative_big":-9007199254740991,"tiny":0.1,'
  + '"trailing_zero":1.50,"exponent":1E2,"small":1.5e-7,"minus_zero":-0,'
  + '"unicode":"café ☕ 🚀 \\u00e9 \\ud83d\\ude80 \\"quoted\\" \\\\ back\\/slash",'
  + '"nested":[[1,[2,[3,[]]]],{"k":[null,true,false]},[]], "spaced" : [ 1 , 2 ] ,"empty":{}}';

describe("a receiver gets the producer's data byte for byte", function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  let receiver: Receiver;
  let secret: string;
  before(async function () {
    ({ stack, receiver } = ctx);
    const created = await stack.api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'raw data' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    secret = created.body.secret;
  });

  async function publishRaw(dataText: string, idempotencyKey: string) {
    const rawBody = `{"event":"memory.created","idempotency_key":"${idempotencyKey}","data":${dataText}}`;
    return stack.api('POST', '/events', undefined, { rawBody });
  }

  it('same keys in the same order, same numbers, same escapes; the signature is over those bytes', async function () {
    const published = await publishRaw(PRODUCER_DATA, 'raw-1');
    assert.equal(published.status, 202, JSON.stringify(published.body));
    const [request] = await receiver.waitForRequests(1);
    assert.equal(request.headers['x-continuum-delivery'], published.body.delivery_ids[0]);

    const envelope = JSON.stringify({ event: 'memory.created', timestamp: published.body.created_at, tenant_id: 'tenant_a' });
    const expected = `${envelope.slice(0, -1)},"data":${PRODUCER_DATA}}`;
    assert.ok(Buffer.from(request.body).equals(Buffer.from(expected)), `receiver got:\n${request.body}\nexpected:\n${expected}`);
    assert.ok(verifyWebhookSignature({
      payload: request.body,
      signature: request.headers['x-continuum-signature'] as string,
      timestamp: request.headers['x-continuum-timestamp'] as string,
      secret,
    }), 'signature verifies over the exact bytes');
    assert.deepEqual(JSON.parse(request.body).data, JSON.parse(PRODUCER_DATA), 'and it parses to what the producer meant');
  });

  it('the stored event keeps the same data: jsonb holds the exact numbers, GET /events shows them', async function () {
    const published = await publishRaw('{"memory_id":"mem_raw2","big":9007199254740991,"tiny":0.1}', 'raw-2');
    const row = await stack.system.db('events').where({ id: published.body.id })
      .first<{ big: string; tiny: string }>(stack.system.db.raw("payload->>'big' AS big"), stack.system.db.raw("payload->>'tiny' AS tiny"));
    assert.deepEqual(row, { big: '9007199254740991', tiny: '0.1' });
    const got = await stack.api('GET', `/events/${published.body.id}`);
    assert.deepEqual(Object.keys(got.body.data), ['memory_id', 'big', 'tiny']);
    assert.equal(got.body.data.big, 9007199254740991);
  });

  it('a retry of the same event with other spacing or key order is the same event (idempotency), not a conflict', async function () {
    const first = await publishRaw('{"memory_id":"mem_raw3","a":1,"b":[1,2]}', 'raw-3');
    const again = await publishRaw('{ "b" : [1, 2], "a" : 1.0, "memory_id" : "mem_raw3" }', 'raw-3');
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.id, first.body.id);
    const different = await publishRaw('{"memory_id":"mem_raw3","a":2,"b":[1,2]}', 'raw-3');
    assert.equal(different.status, 409);
  });
});
