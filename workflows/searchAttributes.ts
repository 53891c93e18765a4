import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom Keyword attributes, registered on the Temporal server at start (dev server flags,
// tests, docker-compose), so operators can filter deliveries in the Web UI.
export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const WebhookIdKey = defineSearchAttributeKey('WebhookId', SearchAttributeType.KEYWORD);
export const EventTypeKey = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD);
export const DeliveryStatusKey = defineSearchAttributeKey('DeliveryStatus', SearchAttributeType.KEYWORD);
/** An endpoint workflow's circuit: closed, open or half_open. */
export const CircuitStateKey = defineSearchAttributeKey('CircuitState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_NAMES = ['TenantId', 'WebhookId', 'EventType', 'DeliveryStatus', 'CircuitState'] as const;
export const ALL_SEARCH_ATTRIBUTE_KEYS = [TenantIdKey, WebhookIdKey, EventTypeKey, DeliveryStatusKey, CircuitStateKey];
