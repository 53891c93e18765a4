import { attemptTimeoutMs, type Config } from '../config';
import type { TemporalConnector } from '../temporal/client';
import { DeliveryControl } from '../temporal/deliveryControl';
import { EndpointControl } from '../temporal/endpointControl';
import { RecoveryControl } from '../temporal/recoveryControl';
import { HIGH_PRIORITY_EVENTS } from './catalogue';

export interface WorkflowControls {
  deliveries: DeliveryControl;
  endpoints: EndpointControl;
  recoveries: RecoveryControl;
}

/** The client-side controls of the workflow types as configured: schedule, age limit, attempt bound, quota priority. */
export function createWorkflowControls(temporal: TemporalConnector, config: Config): WorkflowControls {
  const endpoints = new EndpointControl(temporal, { taskQueue: config.taskQueue, openDurationMs: config.circuitOpenMs });
  const deliveries = new DeliveryControl(temporal, {
    taskQueue: config.taskQueue,
    retryScheduleMs: config.retryScheduleMs,
    maxDeliveryAgeMs: config.maxDeliveryAgeMs,
    attemptTimeoutMs: attemptTimeoutMs(config),
    isHighPriority: (type) => HIGH_PRIORITY_EVENTS.has(type),
  });
  const recoveries = new RecoveryControl(temporal, {
    taskQueue: config.taskQueue,
    itemsPerRun: config.recoveryItemsPerRun,
    // A re-attempted delivery's run may wait for the circuit up to the age limit, then attempt.
    waitTimeoutMs: config.maxDeliveryAgeMs + attemptTimeoutMs(config) + 3_600_000,
  });
  return { deliveries, endpoints, recoveries };
}
