import type Router from '@koa/router';
import { z } from 'zod';
import { VERSION } from '../version';
import { ID_PARAMS } from './middleware/params';
import { OPERATIONAL_EVENT_COMPONENTS } from '../events/operationalSchemas';
import { EVENT_TYPES } from '../events/catalogue';
import { dataJsonSchema } from '../events/dataSchemas';
import { errorBody } from './responses';
import { RESPONSES, type BodySpec } from './responseRoutes';

/** The `data` of each publishable type (the schema publish validates with), e.g. `MemoryCreatedData`. */
function eventDataComponents(): Record<string, object> {
  const name = (type: string) => `${type.split(/[._]/).map((w) => w[0].toUpperCase() + w.slice(1)).join('')}Data`;
  return Object.fromEntries(EVENT_TYPES.map((type) => {
    const schema: Record<string, unknown> = { ...dataJsonSchema(type), description: `data of ${type}` };
    delete schema.$schema; // the document's own dialect applies
    return [name(type), schema];
  }));
}

/** What each route is for. A route without an entry here fails start-up (and the tests). */
const SUMMARIES: Record<string, string> = {
  'GET /metrics': 'Prometheus metrics',
  'GET /api/v1/openapi.json': 'This document',
  'GET /api/v1/webhooks/health': 'Health: database, Temporal, queue depth, open circuits',
  'POST /api/v1/webhooks': 'Register a webhook (returns the full secret once)',
  'GET /api/v1/webhooks': 'List webhooks, newest first, a page at a time (limit 1-100, default 100)',
  'GET /api/v1/webhooks/{webhookId}': 'Get a webhook with its circuit',
  'PATCH /api/v1/webhooks/{webhookId}': 'Update a webhook',
  'DELETE /api/v1/webhooks/{webhookId}': 'Delete a webhook (cancels its open deliveries)',
  'GET /api/v1/webhooks/{webhookId}/deliveries': 'Delivery history, newest first, a page at a time (limit 1-1000, default 100)',
  'GET /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}': 'One delivery with its attempts',
  'GET /api/v1/webhooks/{webhookId}/stats': 'Delivery statistics',
  'POST /api/v1/webhooks/{webhookId}/retry/{deliveryId}': 'Retry a delivery now',
  'POST /api/v1/webhooks/{webhookId}/circuit/reset': 'Close the circuit at once',
  'POST /api/v1/webhooks/{webhookId}/filter/test': 'Whether a sample event matches the webhook\'s filter, and if not the first condition it fails',
  'GET /api/v1/event-types': 'The event-type catalogue: each type\'s description, priority and the JSON Schema of its data',
  'POST /api/v1/webhooks/{webhookId}/test': 'Send a signed webhook.test event and report the attempt',
  'POST /api/v1/webhooks/{webhookId}/secret/rotate': 'Rotate the signing secret (old one signs for 24 h)',
  'POST /api/v1/events': 'Publish an event to every subscribed webhook',
  'GET /api/v1/events/{eventId}': 'Get an event with its deliveries',
  'POST /api/v1/events/{eventId}/redeliver': 'Deliver an event again, as new deliveries, to all or some of its subscribed active webhooks',
  'POST /api/v1/webhooks/{webhookId}/recover': 'Bulk recovery: re-attempt the webhook\'s finished deliveries in a window (default dead-lettered)',
  'GET /api/v1/recoveries/{recoveryId}': 'A bulk recovery and its counts',
  'GET /api/v1/webhooks/{webhookId}/stats/timeseries': 'Deliveries by outcome and attempt latency per time bucket',
  'GET /api/v1/session': 'Who this key or token is: tenant, webhook scope, read-only, expiry',
  'POST /api/v1/portal/sessions': 'Create a portal link (API key only; returns the token once)',
  'DELETE /api/v1/portal/sessions/{portalSessionId}': 'Revoke a portal session (its token answers 401 from then on)',
};

const PUBLIC = new Set(['GET /metrics', 'GET /api/v1/openapi.json', 'GET /api/v1/webhooks/health']);

export interface RouteSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
}

interface LayerLike {
  path: string | RegExp;
  methods: string[];
  stack: Array<{ schemas?: RouteSchemas }>;
}

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;

export interface Route {
  key: string;
  method: string;
  path: string;
  schemas: RouteSchemas;
}

/** Every route the routers serve, keyed "METHOD /path/{param}". */
export function listRoutes(routers: Router[]): Route[] {
  const routes: Route[] = [];
  for (const router of routers) {
    for (const layer of router.stack as unknown as LayerLike[]) {
      if (typeof layer.path !== 'string') continue;
      const path = layer.path.replace(/:(\w+)/g, '{$1}');
      const schemas = Object.assign({}, ...layer.stack.map((fn) => fn.schemas ?? {}));
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) routes.push({ key: `${method} ${path}`, method, path, schemas });
    }
  }
  return routes;
}

/** Ids are checked by this shape before any query; another shape answers 404. */
function idSchema(param: string) {
  const known = ID_PARAMS[param as keyof typeof ID_PARAMS];
  return known ? { type: 'string', pattern: `^${known[0]}_[0-9a-z]{26}$` } : { type: 'string' };
}

const ERRORS_DESCRIPTION = 'Errors are `{"error":{"code","message","details"}}`: 400 validation_error (details name each field), '
  + 'invalid_json, invalid_encoding or bad_request; 401 unauthorized (also an expired or revoked portal token); '
  + '403 read_only (a read-only portal token, on any change) or forbidden (what only an API key may do); '
  + '404 not_found (also malformed or other tenants\' ids, and webhooks outside a portal token\'s scope); '
  + '405 method_not_allowed with `Allow` (any method a path does not serve, OPTIONS included); 409 conflict; '
  + '413 payload_too_large; 415 unsupported_media_type (not JSON, not UTF-8, or a Content-Encoding); '
  + '431 request_header_too_large; 503 service_unavailable. No input yields a 5xx. Bodies: UTF-8 JSON objects nested at most 32 '
  + 'levels, no duplicate keys, no NUL or lone surrogate in any key or string, numbers a double holds exactly.';

function operation(route: Route) {
  const summary = SUMMARIES[route.key];
  if (!summary) throw new Error(`route ${route.key} has no OpenAPI summary`);
  const parameters: object[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: idSchema(m[1]) }));
  if (route.schemas.query) {
    const query = jsonSchema(route.schemas.query);
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      parameters.push({ name, in: 'query', required: (query.required ?? []).includes(name), schema });
    }
  }
  return {
    summary,
    operationId: route.key.replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, ''),
    ...(PUBLIC.has(route.key) ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.schemas.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.schemas.body) } } } } : {}),
    responses: {
      ...successResponses(route.key),
      default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  };
}

/** A response body schema, generated from its zod schema (src/api/responses.ts). */
function responseSchema(spec: BodySpec): Record<string, unknown> {
  const schema = z.toJSONSchema(spec.schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema; // the document's own dialect applies
  return schema;
}

function successResponses(key: string) {
  const byStatus = RESPONSES[key];
  if (!byStatus) return { '2XX': { description: 'Success' } };
  return Object.fromEntries(Object.entries(byStatus).map(([status, spec]) => [status, spec
    ? { description: spec.name, content: { [spec.mediaType ?? 'application/json']: { schema: { $ref: `#/components/schemas/${spec.name}` } } } }
    : { description: 'No content' }]));
}

/** Every named response body, once. */
function responseComponents(): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  for (const byStatus of Object.values(RESPONSES)) {
    for (const spec of Object.values(byStatus)) if (spec) components[spec.name] ??= responseSchema(spec);
  }
  return components;
}

/** OpenAPI 3.1, generated from the routes and the zod schemas that validate their input. */
export function buildOpenApi(routes: Route[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Continuum Webhooks API', version: VERSION, description: ERRORS_DESCRIPTION },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (ck_…) or a portal token (cpt_…, limited to its webhooks; read-only ones get 403 read_only on any change)' },
      },
      schemas: { Error: responseSchema({ name: 'Error', schema: errorBody }), ...responseComponents(), ...OPERATIONAL_EVENT_COMPONENTS, ...eventDataComponents() },
    },
  };
}
