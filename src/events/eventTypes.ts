import { EVENT_TYPES, HIGH_PRIORITY_EVENTS, OPERATIONAL_EVENT_TYPES, type OperationalEventType } from './catalogue';
import { dataJsonSchema, EVENT_CATALOGUE } from './dataSchemas';
import { OPERATIONAL_EVENT_COMPONENTS } from './operationalSchemas';

/** One entry of GET /event-types: what a receiver of this type gets in `data`. */
export interface EventTypeInfo {
  name: string;
  description: string;
  /** 'high': served before other waiting deliveries of a congested endpoint. */
  priority: 'high' | 'normal';
  /** Sent by the service itself about a tenant's webhooks: subscribable, never publishable. */
  operational: boolean;
  /** JSON Schema (draft 2020-12) of `data`. */
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

const about = { webhook_id: 'wh_01JEXAMPLE0000000000000000', webhook_name: 'Billing receiver', webhook_url: 'https://example.com/hooks' };

const OPERATIONAL: Record<OperationalEventType, { description: string; component: keyof typeof OPERATIONAL_EVENT_COMPONENTS; example: Record<string, unknown> }> = {
  'webhook.circuit_opened': {
    description: 'A webhook\'s circuit opened (once per open period)', component: 'WebhookCircuitOpenedData',
    example: { ...about, state: 'open', opened_at: '2026-12-05T10:00:00.000Z', consecutive_failures: 5 },
  },
  'webhook.circuit_closed': {
    description: 'A webhook\'s circuit closed again', component: 'WebhookCircuitClosedData',
    example: { ...about, opened_at: '2026-12-05T10:00:00.000Z', closed_at: '2026-12-05T10:05:00.000Z', open_seconds: 300 },
  },
  'webhook.disabled': {
    description: 'A webhook was disabled: its circuit stayed open too long, or it answered 410 Gone', component: 'WebhookDisabledData',
    example: { ...about, reason: 'gone: the endpoint answered 410', disabled_at: '2026-12-05T10:00:00.000Z', circuit_open_since: null, cancelled_deliveries: 3, delivery_id: 'del_01JEXAMPLE0000000000000000' },
  },
  'delivery.dead_lettered': {
    description: 'A delivery used up its retries', component: 'DeliveryDeadLetteredData',
    example: {
      ...about, delivery_id: 'del_01JEXAMPLE0000000000000000', event_id: 'evt_01JEXAMPLE0000000000000000', event_type: 'memory.created',
      attempt_count: 6, last_status_code: 503, last_error: 'HTTP 503', dead_lettered_at: '2026-12-05T10:36:00.000Z',
    },
  },
};

const priority = (name: string) => (HIGH_PRIORITY_EVENTS.has(name) ? 'high' : 'normal');

/** The catalogue, published types first (spec order), then the operational ones; built once. */
export const EVENT_TYPE_CATALOGUE: readonly EventTypeInfo[] = [
  ...EVENT_TYPES.map((name) => ({
    name, description: EVENT_CATALOGUE[name].description, priority: priority(name), operational: false,
    schema: dataJsonSchema(name), example: EVENT_CATALOGUE[name].example,
  } as const)),
  ...OPERATIONAL_EVENT_TYPES.map((name) => ({
    name, description: OPERATIONAL[name].description, priority: priority(name), operational: true,
    schema: { $schema: DRAFT, ...OPERATIONAL_EVENT_COMPONENTS[OPERATIONAL[name].component] }, example: OPERATIONAL[name].example,
  } as const)),
];
