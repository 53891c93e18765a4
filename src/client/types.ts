import type { z } from 'zod';
import type { createPortalSessionSchema, createWebhookSchema, patchWebhookSchema, publishEventSchema } from '../api/schemas';
import type { recoverSchema, redeliverSchema } from '../api/recoverySchemas';
import type { filterTestSchema } from '../api/filterSchema';
import type { DeliveryStatus } from '../db/types';

// Request bodies, typed from the same zod schemas the API validates them with (type-only
// imports: nothing of the server reaches a browser bundle).
export type CreateWebhookInput = z.input<ReturnType<typeof createWebhookSchema>>;
export type UpdateWebhookInput = z.input<ReturnType<typeof patchWebhookSchema>>;
export type PublishEventInput = z.input<typeof publishEventSchema>;
export type CreatePortalSessionInput = z.input<typeof createPortalSessionSchema>;
export type RecoverInput = z.input<typeof recoverSchema>;
export type RedeliverInput = z.input<typeof redeliverSchema>;
export type FilterTestInput = z.input<typeof filterTestSchema>;

/** A page of a list: the answer carries `total` (every match), `limit` and `offset`. */
export interface PageQuery {
  /** Items on the page: 1–100 for webhooks (default 100), 1–1000 for deliveries (default 100). */
  limit?: number;
  /** Items skipped before the page (default 0). */
  offset?: number;
}

export interface ListWebhooksQuery extends PageQuery {
  active_only?: boolean;
}

export interface ListDeliveriesQuery extends PageQuery {
  status?: DeliveryStatus;
}

export interface TimeseriesQuery {
  /** A duration such as "24h" (default), at most "7d". */
  window?: string;
  /** A duration such as "1h" (default), at least "1m"; window / bucket ≤ 500. */
  bucket?: string;
}

export type {
  Attempt, Circuit, CircuitReset, Delivery, DeliveryDetail, DeliveryList, ErrorBody, Event, EventDetail, Health, PortalSession,
  PublishedEvent, RetryAccepted, RotatedWebhook, Session, TestResult, Timeseries, TimeseriesBucket, Webhook, WebhookList,
  WebhookStats, WebhookWithCircuit, EventTypeList, FilterTestResult,
} from '../api/responses';
export type { Recovery, RecoveryAccepted, Redelivered } from '../api/recoveryResponses';
