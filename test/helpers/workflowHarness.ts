import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TemporalConnector } from '../../src/temporal/client';
import { EndpointControl, endpointTaskQueue } from '../../src/temporal/endpointControl';
import type { deliveryWorkflowV3, endpointWorkflowV2 } from '../../workflows';
import { deliveryWorkflowId, endpointStatusQuery, endpointWorkflowId, leaseGrantedSignal } from '../../workflows/messages';
import type {
  AttemptRequest, AttemptResult, CircuitChange, DeliveryActivities, DeliveryOutcomeStatus, DeliveryStatus, DeliveryWorkflowInput,
  EndpointActivities, EndpointStatus,
} from '../../workflows/types';
import { getInfra } from './infra';

/** An hour: long enough that no timer of these settings fires during a test unless it should. */
export const LONG_MS = 3_600_000;

/** What a fake attempt does: by default it succeeds at once; 'lease_lost' sends nothing (its lease expired). */
export type AttemptScript = (request: AttemptRequest, attemptNumber: number) => Promise<DeliveryOutcomeStatus | 'lease_lost'>;

export interface StatusChange {
  deliveryId: string;
  status: DeliveryStatus;
  error?: string;
}

/**
 * The real delivery and endpoint workflows on the test Temporal server, with fake activities:
 * attempts follow a script instead of POSTing; the gate's queue is a list in memory (a test
 * grants leases by signal, as a claim's hand-out does); statuses, leases given back and the
 * circuit's transitions are recorded in memory. One webhook and task queue each.
 */
export class WorkflowHarness {
  readonly webhookId = `wh_${randomBytes(6).toString('hex')}`;
  readonly taskQueue = `workflows-${randomBytes(6).toString('hex')}`;
  readonly attempts: AttemptRequest[] = [];
  readonly statuses: StatusChange[] = [];
  readonly returned: string[] = [];
  /** Started deliveries waiting in the queue for their next lease. */
  readonly queue: string[] = [];
  /** The endpoint workflow's transitions, as its activities were asked for them. */
  readonly transitions: Array<{ kind: 'half_open'; openedAtMs: number } | { kind: 'reset' }> = [];
  attemptScript: AttemptScript = async () => 'succeeded';
  /** What askForLease answers (`held`: the circuit holds it; `lease`: the claim took one for it at once). */
  askAnswer: { lease: { leaseId: string } | null; held: boolean } | null = { lease: null, held: false };
  private readonly outcomes = new Map<string, AttemptResult>();
  private workers: Worker[] = [];
  private running: Promise<void>[] = [];
  readonly endpoints: EndpointControl;

  private constructor(readonly client: Client, private readonly connection: NativeConnection, private readonly temporal: TemporalConnector) {
    this.endpoints = new EndpointControl(temporal, { taskQueue: this.taskQueue, openDurationMs: LONG_MS });
  }

  static async start(): Promise<WorkflowHarness> {
    const { temporalAddress, workflowBundle } = getInfra();
    const temporal = new TemporalConnector({ address: temporalAddress, namespace: 'default' });
    const harness = new WorkflowHarness(await temporal.client(), await NativeConnection.connect({ address: temporalAddress }), temporal);
    const activities = { ...harness.deliveryActivities(), ...harness.endpointActivities() };
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

  private deliveryActivities(): DeliveryActivities {
    return {
      attemptDelivery: async (request) => {
        // As the real activity does, an attempt run again under its lease (its workflow task
        // failed: a signal raced its completion) reports the outcome recorded, without sending.
        const made = this.outcomes.get(request.leaseId);
        if (made) return made;
        this.attempts.push(request);
        const attemptNumber = this.attempts.filter((a) => a.deliveryId === request.deliveryId).length;
        const status = await this.attemptScript(request, attemptNumber);
        if (status === 'lease_lost') {
          return { attemptNumber: 0, status: 'retrying', statusCode: null, error: 'lease expired before the attempt', durationMs: 0, nextWaitMs: null, leaseLost: true };
        }
        const result = attemptResult(request, attemptNumber, status);
        this.outcomes.set(request.leaseId, result);
        return result;
      },
      askForLease: async ({ deliveryId }) => {
        if (this.askAnswer && !this.askAnswer.lease) this.queue.push(deliveryId);
        return this.askAnswer;
      },
      leaveQueue: async ({ deliveryId }) => {
        const index = this.queue.indexOf(deliveryId);
        if (index >= 0) this.queue.splice(index, 1);
        return index >= 0;
      },
      giveBackLeases: async ({ leaseIds }) => {
        this.returned.push(...leaseIds);
      },
      setDeliveryStatus: async (change) => {
        this.statuses.push(change);
      },
    };
  }

  private endpointActivities(): EndpointActivities {
    return {
      halfOpenCircuit: async ({ openedAtMs }) => {
        this.transitions.push({ kind: 'half_open', openedAtMs });
        return { state: 'half_open', openedAtMs };
      },
      resetCircuit: async () => {
        this.transitions.push({ kind: 'reset' });
        return { state: 'closed', openedAtMs: null };
      },
    };
  }

  /** Tells this webhook's endpoint workflow of a circuit change (signal-with-start, as an attempt's commit does). */
  circuitChanged(change: CircuitChange, openDurationMs = LONG_MS): Promise<void> {
    return new EndpointControl(this.temporal, { taskQueue: this.taskQueue, openDurationMs }).circuitChanged({ webhookId: this.webhookId, tenantId: 'default' }, change);
  }

  endpointStatus(): Promise<EndpointStatus> {
    return this.endpointHandle().query(endpointStatusQuery);
  }

  endpointHandle() {
    return this.client.workflow.getHandle<typeof endpointWorkflowV2>(endpointWorkflowId(this.webhookId));
  }

  deliveryHandle(id: string) {
    return this.client.workflow.getHandle<typeof deliveryWorkflowV3>(deliveryWorkflowId(id));
  }

  /** Starts a delivery to this webhook directly: holding `firstLease` when given, else it asks. */
  async startDelivery(input: Partial<DeliveryWorkflowInput> = {}) {
    const id = `del_${randomBytes(6).toString('hex')}`;
    const handle = await this.client.workflow.start<typeof deliveryWorkflowV3>('deliveryWorkflowV3', {
      workflowId: deliveryWorkflowId(id),
      taskQueue: this.taskQueue,
      args: [{
        deliveryId: id, tenantId: 'default', webhookId: this.webhookId, retryScheduleMs: [LONG_MS],
        createdAtMs: Date.now(), maxDeliveryAgeMs: LONG_MS, attemptTimeoutMs: 30_000, ...input,
      }],
    });
    return { id, handle };
  }

  /** Grants a lease to a delivery, as a claim's hand-out does. */
  grant(deliveryId: string, leaseId: string): Promise<void> {
    return this.deliveryHandle(deliveryId).signal(leaseGrantedSignal, { leaseId });
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
