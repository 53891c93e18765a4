import type Router from '@koa/router';
import { z } from 'zod';
import { VERSION } from '../version';

/** What each route is for. A route without an entry here fails start-up (and the tests). */
const SUMMARIES: Record<string, string> = {
  'GET /metrics': 'Prometheus metrics',
  'GET /api/v1/openapi.json': 'This document',
  'GET /api/v1/webhooks/health': 'Health: database, Temporal, queue depth, open circuits',
  'POST /api/v1/webhooks': 'Register a webhook (returns the full secret once)',
  'GET /api/v1/webhooks': 'List webhooks',
  'GET /api/v1/webhooks/{webhookId}': 'Get a webhook with its circuit',
  'PATCH /api/v1/webhooks/{webhookId}': 'Update a webhook',
  'DELETE /api/v1/webhooks/{webhookId}': 'Delete a webhook (cancels its open deliveries)',
  'GET /api/v1/webhooks/{webhookId}/deliveries': 'Delivery history, newest first',
  'GET /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}': 'One delivery with its attempts',
  'GET /api/v1/webhooks/{webhookId}/stats': 'Delivery statistics',
  'POST /api/v1/webhooks/{webhookId}/retry/{deliveryId}': 'Retry a delivery now',
  'POST /api/v1/webhooks/{webhookId}/circuit/reset': 'Close the circuit at once',
  'POST /api/v1/webhooks/{webhookId}/test': 'Send a signed webhook.test event and report the attempt',
  'POST /api/v1/webhooks/{webhookId}/secret/rotate': 'Rotate the signing secret (old one signs for 24 h)',
  'POST /api/v1/events': 'Publish an event to every subscribed webhook',
  'GET /api/v1/events/{eventId}': 'Get an event with its deliveries',
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

function operation(route: Route) {
  const summary = SUMMARIES[route.key];
  if (!summary) throw new Error(`route ${route.key} has no OpenAPI summary`);
  const parameters: object[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
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
      '2XX': { description: 'Success' },
      default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  };
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
    info: { title: 'Continuum Webhooks API', version: VERSION },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key: ck_…' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
  };
}
