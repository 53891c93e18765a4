import { attemptTimeoutMs, endpointSettings, type Config } from '../config';
import type { TemporalConnector } from '../temporal/client';
import { DeliveryStarter } from '../temporal/starter';
import { HIGH_PRIORITY_EVENTS } from './catalogue';

/** The delivery starter as configured: schedule, age limit, attempt bound, quota priority. */
export function createDeliveryStarter(temporal: TemporalConnector, config: Config): DeliveryStarter {
  return new DeliveryStarter(temporal, {
    taskQueue: config.taskQueue,
    retryScheduleMs: config.retryScheduleMs,
    maxDeliveryAgeMs: config.maxDeliveryAgeMs,
    attemptTimeoutMs: attemptTimeoutMs(config),
    endpointSettings: endpointSettings(config),
    isHighPriority: (type) => HIGH_PRIORITY_EVENTS.has(type),
  });
}
