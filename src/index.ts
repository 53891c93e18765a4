// Public package surface.
export { verifyWebhookSignature, signatureHeaders, type VerifyOptions } from './security/signing';
export { EVENT_TYPES, OPERATIONAL_EVENT_TYPES, type EventType, type OperationalEventType } from './events/catalogue';
export { loadConfig, type Config } from './config';
export { startSystem, type RunningSystem } from './system';
export { createClient, ApiError, type Client, type ClientOptions, type FetchLike } from './client';
export type * from './client/types';
