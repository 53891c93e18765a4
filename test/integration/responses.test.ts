import assert from 'node:assert/strict';
import { RESPONSES } from '../../src/api/responseRoutes';
import { validate as validateOpenApi } from '../helpers/openapiValidator';
import { checkResponse, checkedResponses } from '../helpers/responseCheck';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

describe('response schemas: the OpenAPI document and real responses', function () {
  const ctx = useTestStack();

  it('the document gives every operation its response bodies, generated from the zod schemas', async function () {
    const doc = (await ctx.stack.api('GET', '/openapi.json', undefined, { key: null })).body;
    await validateOpenApi(doc);
    assert.deepEqual(Object.keys(RESPONSES).sort(), [...ctx.stack.system.routes].sort(), 'src/api/responseRoutes.ts lists every route');
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, any> }>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses).filter((status) => status !== 'default');
        assert.ok(statuses.length > 0 && statuses.every((status) => /^\d{3}$/.test(status)), `${method} ${path}: ${statuses}`);
        for (const status of statuses) {
          const content = operation.responses[status].content;
          if (status === '204') continue;
          const ref: string = Object.values(content as Record<string, { schema: { $ref: string } }>)[0].schema.$ref;
          assert.ok(doc.components.schemas[ref.split('/').pop()!], `${method} ${path} ${status}: ${ref}`);
        }
      }
    }
    const webhook = doc.components.schemas.Webhook;
    assert.equal(webhook.properties.events.items.enum.length, 15, 'the 11 types and the 4 operational events');
    assert.ok(webhook.properties.events.items.enum.includes('webhook.circuit_opened'));
    for (const field of ['rate_limit_per_s', 'headers', 'disabled_reason', 'disabled_at']) assert.ok(webhook.required.includes(field), field);
    assert.ok(doc.components.schemas.DeliveryDeadLetteredData, 'the operational events\' data shapes are listed');
    assert.equal(webhook.properties.created_at.format, 'date-time');
    assert.deepEqual(doc.components.schemas.Timeseries.properties.buckets.items.required.slice(0, 3), ['start', 'deliveries', 'succeeded']);
  });

  it('a walk over every route: each real response matches its documented schema', async function () {
    const { api } = ctx.stack;
    const created = await api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'walk', description: null });
    const w = `/webhooks/${created.body.id}`;
    const published = await api('POST', '/events', { event: 'memory.created', data: { memory_id: 'walk', nested: { list: [1, 2] } } });
    const deliveryId = published.body.delivery_ids[0];
    await eventually('delivered', async () => (await api('GET', `${w}/deliveries/${deliveryId}`)).body.status === 'succeeded');
    const portal = await api('POST', '/portal/sessions', { webhook_ids: [created.body.id], read_only: true });
    const recovery = await api('POST', `${w}/recover`, { since: new Date(Date.now() - 60_000).toISOString() });
    assert.equal(recovery.status, 202);
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/webhooks/health'], ['GET', '/webhooks'], ['GET', w], ['PATCH', w, { description: 'walked' }], ['GET', `${w}/deliveries`],
      ['GET', `${w}/deliveries/${deliveryId}`], ['GET', `${w}/stats`], ['GET', `${w}/stats/timeseries?window=6h&bucket=15m`],
      ['POST', `${w}/retry/${deliveryId}`], ['POST', `${w}/circuit/reset`], ['POST', `${w}/test`], ['POST', `${w}/secret/rotate`],
      ['GET', `/events/${published.body.id}`], ['POST', `/events/${published.body.id}/redeliver`, {}], ['GET', `/recoveries/${recovery.body.id}`],
      ['GET', '/session'], ['DELETE', `/portal/sessions/${portal.body.id}`], ['DELETE', w],
    ];
    for (const [method, path, body] of calls) {
      const response = await api(method, path, body);
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    const metrics = await fetch(`${ctx.stack.system.apiUrl}/metrics`);
    checkResponse('GET', '/metrics', metrics.status, await metrics.text());
    // The helper checked each of them (and the calls above it) as they came back.
    const unchecked = Object.keys(RESPONSES).filter((key) => !checkedResponses.has(key));
    assert.deepEqual(unchecked, [], 'every route had a real response checked');
  });
});
