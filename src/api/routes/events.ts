import Router from '@koa/router';
import type { z } from 'zod';
import { listDeliveriesOfEvent } from '../../db/repositories/deliveries';
import { findEvent } from '../../db/repositories/events';
import { NotFoundError, ValidationError } from '../../errors';
import { EVENT_DATA_SCHEMAS } from '../../events/dataSchemas';
import { publishEvent } from '../../events/publish';
import { redeliverEvent } from '../../events/redeliver';
import type { ApiDeps } from '../deps';
import type { JsonBody } from '../json';
import { fieldIssues, validate } from '../middleware/validate';
import { redeliverSchema, type RedeliverBody } from '../recoverySchemas';
import { apiKeyOnly, inScope, principalOf } from '../principal';
import { publishEventSchema } from '../schemas';
import { deliveryJson, eventJson } from '../serializers';
import { ATTR, inSpan } from '../../tracing';

type PublishBody = z.infer<typeof publishEventSchema>;

/** /events: publish an event to every subscribed webhook; look one up; deliver it again. */
export function eventsRouter(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/events' });

  router.post('/', apiKeyOnly('publish events'), validate({ body: publishEventSchema }), async (ctx) => {
    const body = ctx.state.body as PublishBody;
    // The schema checks the data and never rewrites it: receivers get the producer's own text
    // (key order, number spelling), which the body parser vetted to mean the same to any parser.
    const data = EVENT_DATA_SCHEMAS[body.event].safeParse(body.data);
    if (!data.success) throw new ValidationError(`data is invalid for ${body.event}`, fieldIssues(data.error, 'body.data'));
    const dataJson = (ctx.state.json as JsonBody).memberText('data') as string;
    // Tracing on: the root of each delivery's trace (or a child of the producer's traceparent).
    const attributes = { [ATTR.method]: 'POST', [ATTR.route]: '/api/v1/events', [ATTR.tenantId]: ctx.state.tenantId, [ATTR.eventType]: body.event };
    const result = await inSpan('POST /api/v1/events', 'server', attributes, async (span) => {
      const published = await publishEvent(deps, ctx.state.tenantId, { ...body, dataJson });
      span.set({ [ATTR.eventId]: published.event.id, [ATTR.deliveryCount]: published.deliveryIds.length, [ATTR.replayed]: published.replayed, [ATTR.statusCode]: 202 });
      return published;
    }, ctx.headers);
    if (result.replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.status = 202;
    ctx.body = { ...eventJson(result.event), delivery_ids: result.deliveryIds };
  });

  router.get('/:eventId', async (ctx) => {
    const event = await findEvent(deps.db, ctx.state.tenantId, ctx.params.eventId);
    if (!event) throw new NotFoundError('event', ctx.params.eventId);
    const principal = principalOf(ctx);
    const deliveries = (await listDeliveriesOfEvent(deps.db, ctx.state.tenantId, event.id)).filter((d) => inScope(principal, d.webhook_id));
    // A token scoped to some webhooks sees only the events that reached them.
    if (principal.webhookIds !== null && deliveries.length === 0) throw new NotFoundError('event', ctx.params.eventId);
    ctx.body = { ...eventJson(event), deliveries: deliveries.map(deliveryJson) };
  });

  router.post('/:eventId/redeliver', apiKeyOnly('redeliver events'), validate({ body: redeliverSchema }), async (ctx) => {
    const { webhook_ids: webhookIds } = ctx.state.body as RedeliverBody;
    const deliveries = await redeliverEvent(deps, ctx.state.tenantId, ctx.params.eventId, webhookIds);
    deps.metrics.redeliveries.inc(deliveries.length);
    ctx.status = 202;
    ctx.body = {
      event_id: ctx.params.eventId,
      deliveries: deliveries.map((d) => ({ id: d.id, webhook_id: d.webhook_id, status: 'pending', created_at: d.created_at.toISOString() })),
    };
  });

  return router;
}
