import { z } from 'zod';
import * as r from './responses';
import * as rec from './recoveryResponses';

/** A response body: its component name in the OpenAPI document and its schema. */
export interface BodySpec {
  name: string;
  schema: z.ZodType;
  mediaType?: string;
}

const body = (name: string, schema: z.ZodType, mediaType?: string): BodySpec => ({ name, schema, mediaType });

const WEBHOOK = body('Webhook', r.webhook);
const TEST_RESULT = body('TestResult', r.testResult);
const HEALTH = body('Health', r.health);

/**
 * What each route answers on success, by status; null: no body (204). The OpenAPI document is
 * built from this, and the tests check every real response against it.
 */
export const RESPONSES: Record<string, Record<number, BodySpec | null>> = {
  'GET /metrics': { 200: body('PrometheusText', z.string(), 'text/plain') },
  'GET /api/v1/openapi.json': { 200: body('OpenApiDocument', z.record(z.string(), z.unknown())) },
  'GET /api/v1/webhooks/health': { 200: HEALTH, 503: HEALTH },
  'POST /api/v1/webhooks': { 201: WEBHOOK },
  'GET /api/v1/webhooks': { 200: body('WebhookList', r.webhookList) },
  'GET /api/v1/webhooks/{webhookId}': { 200: body('WebhookWithCircuit', r.webhookWithCircuit) },
  'PATCH /api/v1/webhooks/{webhookId}': { 200: WEBHOOK },
  'DELETE /api/v1/webhooks/{webhookId}': { 204: null },
  'GET /api/v1/webhooks/{webhookId}/deliveries': { 200: body('DeliveryList', r.deliveryList) },
  'GET /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}': { 200: body('DeliveryDetail', r.deliveryDetail) },
  'GET /api/v1/webhooks/{webhookId}/stats': { 200: body('WebhookStats', r.webhookStats) },
  'GET /api/v1/webhooks/{webhookId}/stats/timeseries': { 200: body('Timeseries', r.timeseries) },
  'POST /api/v1/webhooks/{webhookId}/retry/{deliveryId}': { 202: body('RetryAccepted', r.retryAccepted) },
  'POST /api/v1/webhooks/{webhookId}/filter/test': { 200: body('FilterTestResult', r.filterTestResult) },
  'GET /api/v1/event-types': { 200: body('EventTypeList', r.eventTypeList) },
  'POST /api/v1/webhooks/{webhookId}/circuit/reset': { 200: body('CircuitReset', r.circuitReset) },
  'POST /api/v1/webhooks/{webhookId}/test': { 200: TEST_RESULT, 202: TEST_RESULT },
  'POST /api/v1/webhooks/{webhookId}/secret/rotate': { 200: body('RotatedWebhook', r.rotatedWebhook) },
  'POST /api/v1/events': { 202: body('PublishedEvent', r.publishedEvent) },
  'GET /api/v1/events/{eventId}': { 200: body('EventDetail', r.eventDetail) },
  'POST /api/v1/events/{eventId}/redeliver': { 202: body('Redelivered', rec.redelivered) },
  'POST /api/v1/webhooks/{webhookId}/recover': { 202: body('RecoveryAccepted', rec.recoveryAccepted) },
  'GET /api/v1/recoveries/{recoveryId}': { 200: body('Recovery', rec.recovery) },
  'GET /api/v1/session': { 200: body('Session', r.session) },
  'POST /api/v1/portal/sessions': { 201: body('PortalSession', r.portalSession) },
  'DELETE /api/v1/portal/sessions/{portalSessionId}': { 204: null },
};
