import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createEndpointActivities } from '../../activities/endpoint';
import type { OperationalEvents } from '../../src/events/operational';
import { TemporalConnector } from '../../src/temporal/client';
import { DeliveryControl } from '../../src/temporal/deliveryControl';
import { EndpointControl, endpointTaskQueue } from '../../src/temporal/endpointControl';
import type { deliveryWorkflow, endpointWorkflow } from '../../workflows';
import { initialGateState, type GateState } from '../../workflows/gate';
import { deliveryWorkflowId, endpointStatusQuery, endpointWorkflowId } from '../../workflows/messages';
import type {
  AttemptRequest, AttemptResult, DeliveryActivities, DeliveryOutcomeStatus, DeliveryStatus, DeliveryWorkflowInput, EndpointSettings, EndpointStatus, PermitRequest,
} from '../../workflows/types';
import { getInfra } from './infra';

/** An hour: long enough that no timer of these settings fires during a test unless it should. */
export const LONG_MS = 3_600_000;

// Failures never open the circuit by themselves here: tests that want it open start it open.
const SETTINGS: EndpointSettings = { failureThreshold: 1000, openDurationMs: LONG_MS, leaseTimeoutMs: LONG_MS, continueAsNewAfter: 1000 };

/** What a fake attempt does: by default it succeeds at once. */
export type AttemptScript = (request: AttemptRequest, attemptNumber: number) => Promise<DeliveryOutcomeStatus>;

export interface StatusChange {
  deliveryId: string;
  status: DeliveryStatus;
  error?: string;
}

/**
 * The real delivery and endpoint workflows on the test Temporal server, with fake activities:
 * attempts follow a script instead of POSTing, statuses are recorded in memory instead of in
 * Postgres. Permit requests and notices still go through Temporal (the real client calls), so
 * the two workflows talk to each other as in production. One webhook and task queue each.
 */
export class WorkflowHarness {
  readonly webhookId = `wh_${randomBytes(6).toString('hex')}`;
  readonly taskQueue = `workflows-${randomBytes(6).toString('hex')}`;
  readonly attempts: AttemptRequest[] = [];
  readonly statuses: StatusChange[] = [];
  readonly permitRequests: PermitRequest[] = [];
  attemptScript: AttemptScript = async () => 'succeeded';
  private workers: Worker[] = [];
  private running: Promise<void>[] = [];

  private readonly endpoints: EndpointControl;
  private readonly deliveries: DeliveryControl;

  private constructor(readonly client: Client, private readonly connection: NativeConnection, private readonly temporal: TemporalConnector) {
    this.endpoints = new EndpointControl(temporal, { taskQueue: this.taskQueue, settings: SETTINGS });
    this.deliveries = new DeliveryControl(temporal, this.endpoints, {
      taskQueue: this.taskQueue, retryScheduleMs: [], maxDeliveryAgeMs: 60_000, attemptTimeoutMs: 5_000, isHighPriority: () => false,
    });
  }

  static async start(): Promise<WorkflowHarness> {
    const { temporalAddress, workflowBundle } = getInfra();
    const temporal = new TemporalConnector({ address: temporalAddress, namespace: 'default' });
    const harness = new WorkflowHarness(await temporal.client(), await NativeConnection.connect({ address: temporalAddress }), temporal);
    const activities = harness.fakeActivities();
    harness.workers = await Promise.all([harness.taskQueue, endpointTaskQueue(harness.taskQueue)].map((taskQueue) =>
      Worker.create({ connection: harness.connection, taskQueue, activities, workflowBundle, shutdownGraceTime: '1s' })));
    harness.running = harness.workers.map((worker) => worker.run());
    return harness;
  }

  async stop(): Promise<void> {
    this.workers.forEach((worker) => worker.shutdown());
    await Promise.allSettled(this.running);
    await this.connection.close();
    await this.temporal.close();
  }

  private fakeActivities(): DeliveryActivities {
    // Notices go to deliveries through the real activity: it only talks to Temporal.
    const endpoint = createEndpointActivities({
      db: null as unknown as Knex, endpoints: this.endpoints, deliveries: this.deliveries, operational: null as unknown as OperationalEvents,
    });
    return {
      attemptDelivery: async (request) => {
        this.attempts.push(request);
        const attemptNumber = this.attempts.filter((a) => a.deliveryId === request.deliveryId).length;
        return attemptResult(request, attemptNumber, await this.attemptScript(request, attemptNumber));
      },
      requestPermit: async ({ request }) => {
        this.permitRequests.push(request);
        const target = { webhookId: this.webhookId, tenantId: 'default', maxConcurrency: 1, rateLimitPerS: null };
        await this.endpoints.requestPermits(target, [request]);
        return true;
      },
      notifyDeliveries: endpoint.notifyDeliveries,
      setDeliveryStatus: async (change) => {
        this.statuses.push(change);
      },
      recordCircuitState: async () => {},
    };
  }

  /** Starts this webhook's endpoint workflow in the given state (one permit, closed circuit by default). */
  async startEndpoint(state: Partial<GateState> = {}): Promise<void> {
    await this.client.workflow.start<typeof endpointWorkflow>('endpointWorkflow', {
      workflowId: endpointWorkflowId(this.webhookId),
      taskQueue: endpointTaskQueue(this.taskQueue),
      args: [{ webhookId: this.webhookId, tenantId: 'default', settings: SETTINGS, state: { ...initialGateState(1), ...state } }],
    });
  }

  endpointStatus(): Promise<EndpointStatus> {
    return this.endpointHandle().query(endpointStatusQuery);
  }

  endpointHandle() {
    return this.client.workflow.getHandle(endpointWorkflowId(this.webhookId));
  }

  /** Starts a delivery to this webhook; it asks for its first permit itself. */
  async startDelivery(input: Partial<DeliveryWorkflowInput> = {}) {
    const id = `del_${randomBytes(6).toString('hex')}`;
    const handle = await this.client.workflow.start<typeof deliveryWorkflow>('deliveryWorkflow', {
      workflowId: deliveryWorkflowId(id),
      taskQueue: this.taskQueue,
      args: [{
        deliveryId: id, tenantId: 'default', webhookId: this.webhookId, retryScheduleMs: [LONG_MS],
        createdAtMs: Date.now(), maxDeliveryAgeMs: LONG_MS, attemptTimeoutMs: 30_000, ...input,
      }],
    });
    return { id, handle };
  }

  statusesOf(deliveryId: string): DeliveryStatus[] {
    return this.statuses.filter((s) => s.deliveryId === deliveryId).map((s) => s.status);
  }

  attemptsOf(deliveryId: string): AttemptRequest[] {
    return this.attempts.filter((a) => a.deliveryId === deliveryId);
  }
}

function attemptResult(request: AttemptRequest, attemptNumber: number, status: DeliveryOutcomeStatus): AttemptResult {
  const failed = status !== 'succeeded';
  return {
    attemptNumber, status, statusCode: failed ? 500 : 200, error: failed ? 'HTTP 500' : null, durationMs: 1,
    nextWaitMs: status === 'retrying' ? request.scheduledWaitMs : null,
  };
}
