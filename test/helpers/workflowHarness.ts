import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TemporalConnector } from '../../src/temporal/client';
import { DeliveryControl } from '../../src/temporal/deliveryControl';
import { EndpointControl, endpointTaskQueue } from '../../src/temporal/endpointControl';
import { PermitReleases } from '../../src/permits/releases';
import type { deliveryWorkflowV2, endpointWorkflow } from '../../workflows';
import { initialGateState, type GateState } from '../../workflows/permits/gate';
import { deliveryWorkflowId, endpointWorkflowId } from '../../workflows/messages';
import { endpointStatusQuery, permitGrantedSignal } from '../../workflows/permits/messages';
import type {
  AttemptRequest, AttemptResult, DeliveryActivities, DeliveryOutcomeStatus, DeliveryStatus, DeliveryWorkflowInput, EndpointSettings, EndpointStatus,
  GrantBatchInput, PermitGrant,
} from '../../workflows/types';
import { getInfra } from './infra';

/** An hour: long enough that no timer of these settings fires during a test unless it should. */
export const LONG_MS = 3_600_000;

// Failures never open the circuit by themselves here: tests that want it open start it open.
const SETTINGS: EndpointSettings = { failureThreshold: 1000, openDurationMs: LONG_MS, leaseTimeoutMs: LONG_MS, continueAsNewAfter: 1000, idleTimeoutMs: LONG_MS };

/** What a fake attempt does: by default it succeeds at once. */
export type AttemptScript = (request: AttemptRequest, attemptNumber: number) => Promise<DeliveryOutcomeStatus>;

export interface StatusChange {
  deliveryId: string;
  status: DeliveryStatus;
  error?: string;
}

/**
 * The real delivery and endpoint workflows on the test Temporal server, with fake activities:
 * attempts follow a script instead of POSTing; the permit queue is a list in memory instead of
 * rows in Postgres (a grant batch claims from it and starts or signals deliveries through the
 * real client calls); statuses are recorded in memory. Releases go to the endpoint through the
 * real coalescer. One webhook and task queue each.
 */
export class WorkflowHarness {
  readonly webhookId = `wh_${randomBytes(6).toString('hex')}`;
  readonly taskQueue = `workflows-${randomBytes(6).toString('hex')}`;
  readonly attempts: AttemptRequest[] = [];
  readonly statuses: StatusChange[] = [];
  readonly batches: GrantBatchInput[] = [];
  readonly returned: string[] = [];
  /** Waiting deliveries (the queue): new ones (not started) and started ones asking again. */
  readonly queue: Array<{ deliveryId: string; started: boolean }> = [];
  attemptScript: AttemptScript = async () => 'succeeded';
  /** What askForPermit answers (`held`: the circuit holds it). */
  askAnswer: { held: boolean } | null = { held: false };
  private readonly outcomes = new Map<string, AttemptResult>();
  private workers: Worker[] = [];
  private running: Promise<void>[] = [];
  private readonly endpoints: EndpointControl;
  private readonly deliveries: DeliveryControl;
  private readonly releases: PermitReleases;

  private constructor(readonly client: Client, private readonly connection: NativeConnection, private readonly temporal: TemporalConnector) {
    this.endpoints = new EndpointControl(temporal, { taskQueue: this.taskQueue, settings: SETTINGS });
    this.deliveries = new DeliveryControl(temporal, {
      taskQueue: this.taskQueue, retryScheduleMs: [LONG_MS], maxDeliveryAgeMs: LONG_MS, attemptTimeoutMs: 30_000, isHighPriority: () => false,
    });
    this.releases = new PermitReleases(this.endpoints, 20);
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
    const record = (change: StatusChange) => {
      this.statuses.push(change);
    };
    return {
      attemptDelivery: async (request) => {
        // As the real activity does, an attempt run again under its permit (its workflow task
        // failed: a signal raced its completion) reports the outcome recorded, without sending.
        const made = request.permit && this.outcomes.get(request.permit.leaseId);
        if (made) return made;
        this.attempts.push(request);
        const attemptNumber = this.attempts.filter((a) => a.deliveryId === request.deliveryId).length;
        const status = await this.attemptScript(request, attemptNumber);
        if (request.permit) this.releases.give(this.webhookId, { leaseId: request.permit.leaseId, outcome: status === 'succeeded' ? 'success' : 'failure' });
        const result = { ...attemptResult(request, attemptNumber, status), permitReleased: request.permit !== undefined };
        if (request.permit) this.outcomes.set(request.permit.leaseId, result);
        return result;
      },
      grantBatch: async (input) => {
        this.batches.push(input);
        const claimed = this.queue.splice(0, input.room);
        const grants = claimed.map((c) => ({ ...c, leaseId: `${c.deliveryId}@${input.batchId}` }));
        this.releases.expect(this.webhookId, grants.map((g) => g.leaseId));
        await Promise.all(grants.map(async (g) => {
          const grant: PermitGrant = { leaseId: g.leaseId, probe: input.probe };
          if (g.started) await this.deliveries.grant(g.deliveryId, grant);
          else await this.deliveries.startHolding([{ delivery: this.newDelivery(g.deliveryId), grant }]);
        }));
        return { granted: grants.map(({ deliveryId, leaseId }) => ({ deliveryId, leaseId })), claimed: grants.length, gone: [] };
      },
      askForPermit: async ({ deliveryId }) => {
        if (this.askAnswer) this.queue.push({ deliveryId, started: true });
        return this.askAnswer;
      },
      withdrawPermitRequest: async ({ deliveryId }) => {
        const index = this.queue.findIndex((q) => q.deliveryId === deliveryId);
        if (index >= 0) this.queue.splice(index, 1);
        return index >= 0;
      },
      returnPermits: async ({ leaseIds }) => {
        this.returned.push(...leaseIds);
      },
      setDeliveryStatus: async (change) => record(change),
      recordCircuitState: async () => {},
    };
  }

  private newDelivery(id: string) {
    return { id, tenant_id: 'default', webhook_id: this.webhookId, event_type: 'memory.created', created_at: new Date() };
  }

  /** Starts this webhook's endpoint workflow in the given state (one permit, closed circuit by default). */
  async startEndpoint(state: Partial<GateState> = {}, settings: Partial<EndpointSettings> = {}): Promise<void> {
    await this.client.workflow.start<typeof endpointWorkflow>('endpointWorkflow', {
      workflowId: endpointWorkflowId(this.webhookId),
      taskQueue: endpointTaskQueue(this.taskQueue),
      args: [{ webhookId: this.webhookId, tenantId: 'default', settings: { ...SETTINGS, ...settings }, state: { ...initialGateState(1), ...state } }],
    });
  }

  /** New deliveries wait in the queue; the endpoint is woken (started when not running). */
  async publish(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => `del_${randomBytes(6).toString('hex')}`);
    ids.forEach((deliveryId) => this.queue.push({ deliveryId, started: false }));
    await this.endpoints.wake({ webhookId: this.webhookId, tenantId: 'default', maxConcurrency: 1, rateLimitPerS: null });
    return ids;
  }

  endpointStatus(): Promise<EndpointStatus> {
    return this.endpointHandle().query(endpointStatusQuery);
  }

  endpointHandle() {
    return this.client.workflow.getHandle(endpointWorkflowId(this.webhookId));
  }

  deliveryHandle(id: string) {
    return this.client.workflow.getHandle<typeof deliveryWorkflowV2>(deliveryWorkflowId(id));
  }

  /** Starts a delivery to this webhook directly (no endpoint): holding `firstGrant` when given, else it asks. */
  async startDelivery(input: Partial<DeliveryWorkflowInput> = {}) {
    const id = `del_${randomBytes(6).toString('hex')}`;
    const handle = await this.client.workflow.start<typeof deliveryWorkflowV2>('deliveryWorkflowV2', {
      workflowId: deliveryWorkflowId(id),
      taskQueue: this.taskQueue,
      args: [{
        deliveryId: id, tenantId: 'default', webhookId: this.webhookId, retryScheduleMs: [LONG_MS],
        createdAtMs: Date.now(), maxDeliveryAgeMs: LONG_MS, attemptTimeoutMs: 30_000, ...input,
      }],
    });
    return { id, handle };
  }

  /** Sends a grant to a delivery, as a grant batch would. */
  grant(deliveryId: string, leaseId: string): Promise<void> {
    return this.deliveryHandle(deliveryId).signal(permitGrantedSignal, { leaseId, probe: false });
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
