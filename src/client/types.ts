import type { z } from 'zod';
import type { createPortalSessionSchema, createWebhookSchema, patchWebhookSchema, publishEventSchema } from '../api/schemas';
import type { recoverSchema, redeliverSchema } from '../api/recoverySchemas';
import type { DeliveryStatus } from '../db/types';

// Request bodies, typed from the same zod schemas the API validates them with (type-only
// imports: nothing of the server reaches a browser bundle).
export type CreateWebhookInput = z.input<ReturnType<typeof createWebhookSchema>>;
export type UpdateWebhookInput = z.input<ReturnType<typeof patchWebhookSchema>>;
export type PublishEventInput = z.input<typeof publishEventSchema>;
export type CreatePortalSessionInput = z.input<typeof createPortalSessionSchema>;
export type RecoverInput = z.input<typeof recoverSchema>;
export type RedeliverInput = z.input<typeof redeliverSchema>;

export interface ListWebhooksQuery {
  active_only?: boolean;
}

export interface ListDeliveriesQuery {
  status?: DeliveryStatus;
  limit?: number;
  offset?: number;
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
  WebhookStats, WebhookWithCircuit,
} from '../api/responses';
export type { Recovery, RecoveryAccepted, Redelivered } from '../api/recoveryResponses';
