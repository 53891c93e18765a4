import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowIdReusePolicy, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import type { deliveryWorkflow } from '../../workflows';
import { deliveryWorkflowId, permitGrantedSignal, askAgainSignal, retryNowSignal, circuitWaitingSignal } from '../../workflows/messages';
import type { AttemptResult, AttemptTrigger, DeliveryNotice, PermitGrant, PermitRequest } from '../../workflows/types';
import { EventTypeKey, TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import type { DeliveryToStart } from '../db/types';
import { isWorkflowNotFound, type TemporalConnector } from './client';
import type { EndpointControl } from './endpointControl';
import { withDeadline } from '../infra/deadline';

export interface DeliveryStartOptions {
  taskQueue: string;
  retryScheduleMs: number[];
  maxDeliveryAgeMs: number;
  attemptTimeoutMs: number;
  isHighPriority: (eventType: string) => boolean;
}

/**
 * Every client-side call to delivery workflows: start (idempotent by workflow id
 * `delivery:<del_id>`), manual retry and recovery, test, cancel, ask again for a permit.
 */
export class DeliveryControl {
  constructor(
    private readonly temporal: TemporalConnector,
    private readonly endpoints: EndpointControl,
    private readonly options: DeliveryStartOptions,
  ) {}

  private async handle(deliveryId: string): Promise<WorkflowHandle<typeof deliveryWorkflow>> {
    return (await this.temporal.client()).workflow.getHandle(deliveryWorkflowId(deliveryId));
  }

  /** Cancels these deliveries' workflows; one already closed or never started is skipped. */
  async cancel(deliveryIds: string[]): Promise<void> {
    const results = await Promise.allSettled(deliveryIds.map(async (id) => (await this.handle(id)).cancel()));
    const failures = results.flatMap((r) => (r.status === 'rejected' && !isWorkflowNotFound(r.reason) ? [r.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${deliveryIds.length} delivery workflows could not be cancelled`);
  }

  /**
   * Tells a delivery waiting for a permit to ask again (its endpoint workflow was lost); one
   * that doesn't wait ignores it. False when the workflow no longer runs.
   */
  async askAgainForPermit(deliveryId: string): Promise<boolean> {
    try {
      await (await this.handle(deliveryId)).signal(askAgainSignal);
      return true;
    } catch (err) {
      if (isWorkflowNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Sends an endpoint workflow's notice (a grant, or "the circuit holds you") to its
   * delivery. False when that workflow no longer runs, so its lease can be taken back.
   */
  async notify(notice: DeliveryNotice): Promise<boolean> {
    try {
      const handle = await this.handle(notice.deliveryId);
      if (notice.kind === 'granted') await handle.signal(permitGrantedSignal, { leaseId: notice.leaseId, probe: notice.probe });
      else await handle.signal(circuitWaitingSignal, { leaseId: notice.leaseId });
      return true;
    } catch (err) {
      if (isWorkflowNotFound(err)) return false;
      throw err;
    }
  }

  private startOptions(delivery: DeliveryToStart, trigger: AttemptTrigger, retryScheduleMs = this.options.retryScheduleMs, first: FirstPermit = {}) {
    return {
      workflowId: deliveryWorkflowId(delivery.id),
      taskQueue: this.options.taskQueue,
      args: [{
        deliveryId: delivery.id,
        tenantId: delivery.tenant_id,
        webhookId: delivery.webhook_id,
        retryScheduleMs,
        firstTrigger: trigger,
        highPriority: first.request?.high ?? this.options.isHighPriority(delivery.event_type),
        createdAtMs: delivery.created_at.getTime(),
        maxDeliveryAgeMs: this.options.maxDeliveryAgeMs,
        attemptTimeoutMs: this.options.attemptTimeoutMs,
        firstLeaseId: first.grant ? undefined : first.request?.leaseId,
        firstGrant: first.grant,
      }],
      typedSearchAttributes: [
        { key: TenantIdKey, value: delivery.tenant_id },
        { key: WebhookIdKey, value: delivery.webhook_id },
        { key: EventTypeKey, value: delivery.event_type },
      ],
    } satisfies WorkflowStartOptions<typeof deliveryWorkflow>;
  }

  /**
   * Manual retry and recovery: a running delivery is told to retry now (cutting its wait
   * short; that attempt counts as manual); a closed one gets a new run with the same workflow
   * id that makes one attempt with this trigger. Its age limit counts from now: a delivery
   * dead-lettered days ago is attempted, not expired at once. Returns the run id.
   */
  async retryNow(delivery: DeliveryToStart, trigger: 'manual' | 'recovery' = 'manual'): Promise<string> {
    const client = await this.temporal.client();
    const handle = await client.workflow.signalWithStart<typeof deliveryWorkflow, []>('deliveryWorkflow', {
      ...this.startOptions({ ...delivery, created_at: new Date() }, trigger, []),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      signal: retryNowSignal,
      signalArgs: [],
    });
    return handle.signaledRunId;
  }

  /** The outcome of one run of a delivery's workflow once it ends; null when it failed, was cancelled or terminated. */
  async awaitRun(deliveryId: string, runId: string): Promise<AttemptResult | null> {
    const client = await this.temporal.client();
    try {
      return await client.workflow.getHandle<typeof deliveryWorkflow>(deliveryWorkflowId(deliveryId), runId, { followRuns: false }).result();
    } catch (err) {
      if (err instanceof WorkflowFailedError || isWorkflowNotFound(err)) return null;
      throw err;
    }
  }

  /** A test delivery: one attempt, no retries; resolves with its outcome or null after `waitMs`. */
  async startTest(delivery: DeliveryToStart, waitMs: number) {
    const client = await this.temporal.client();
    const handle = await client.workflow.start<typeof deliveryWorkflow>('deliveryWorkflow', this.startOptions(delivery, 'test', []));
    return withDeadline(handle.result(), waitMs, null);
  }

  /**
   * Starts one workflow per delivery and takes care of its first permit, per endpoint in one
   * call each: first the endpoint admits at once those nobody waits ahead of (they start
   * holding their permit: one workflow task, no grant signal), then the others' requests go
   * in one signal after their start. Returns the ids now running (or already were) with their
   * permit asked for, and why the others are not. Every step is idempotent, so the dispatcher
   * may repeat them.
   */
  async startAll(deliveries: DeliveryToStart[], trigger: AttemptTrigger = 'scheduled'): Promise<{ started: string[]; failures: unknown[] }> {
    if (deliveries.length === 0) return { started: [], failures: [] };
    const client = await this.temporal.client();
    const requests = new Map(deliveries.filter((d) => d.max_concurrency).map((d) => [d.id, this.firstRequest(d)]));
    const grants = await this.admitFirst(deliveries.filter((d) => requests.has(d.id)), requests);
    const started = await Promise.allSettled(deliveries.map(async (delivery) => {
      const request = requests.get(delivery.id);
      const grant = request && grants.get(request.leaseId);
      try {
        const fresh = await this.start(client, delivery, trigger, { request, grant });
        // Running already (a repeated start): its workflow takes the permit like any grant, or
        // gives it back when it no longer waits for it.
        if (!fresh && grant) await (await this.handle(delivery.id)).signal(permitGrantedSignal, grant);
      } catch (err) {
        if (grant) await this.endpoints.returnPermits(delivery.webhook_id, [grant.leaseId]);
        throw err;
      }
      return { delivery, request: grant ? undefined : request };
    }));
    const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const asked = await Promise.allSettled([...groupBy(running.filter((r) => r.request), (r) => r.delivery.webhook_id).values()].map(async (group) => {
      const { delivery } = group[0];
      const target = {
        webhookId: delivery.webhook_id, tenantId: delivery.tenant_id, maxConcurrency: delivery.max_concurrency as number, rateLimitPerS: delivery.rate_limit_per_s ?? null,
      };
      await this.endpoints.requestPermits(target, group.map((r) => r.request as PermitRequest));
      return group.map((r) => r.delivery.id);
    }));
    const ready = running.filter((r) => !r.request).map((r) => r.delivery.id);
    return {
      started: [...ready, ...asked.flatMap((result) => (result.status === 'fulfilled' ? result.value : []))],
      failures: [...started, ...asked].flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])),
    };
  }

  /** The first permits each endpoint grants at once, by lease id (one admitNow call per endpoint). */
  private async admitFirst(deliveries: DeliveryToStart[], requests: Map<string, PermitRequest>): Promise<Map<string, PermitGrant>> {
    const grants = new Map<string, PermitGrant>();
    await Promise.all([...groupBy(deliveries, (d) => d.webhook_id)].map(async ([webhookId, group]) => {
      const admitted = await this.endpoints.admitNow(webhookId, group.map((d) => requests.get(d.id) as PermitRequest));
      admitted.forEach((grant, leaseId) => grants.set(leaseId, grant));
    }));
    return grants;
  }

  private firstRequest(delivery: DeliveryToStart): PermitRequest {
    return { leaseId: firstLeaseId(delivery.id), deliveryId: delivery.id, high: this.options.isHighPriority(delivery.event_type) };
  }

  /** False when the workflow was running already. */
  private async start(client: Client, delivery: DeliveryToStart, trigger: AttemptTrigger, first: FirstPermit): Promise<boolean> {
    try {
      await client.workflow.start<typeof deliveryWorkflow>('deliveryWorkflow', {
        ...this.startOptions(delivery, trigger, undefined, first),
        // A delivery whose workflow already ran must not run again by accident (e.g. the
        // dispatcher after a crash between start and bookkeeping); manual retry is explicit.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        requestEagerStart: this.temporal.canStartEagerly,
      });
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return false;
    }
  }
}

/** The first permit: asked for (request), or granted already (grant). */
interface FirstPermit {
  request?: PermitRequest;
  grant?: PermitGrant;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** The lease id of a delivery's first permit, known to both the starter and the workflow. */
export const firstLeaseId = (deliveryId: string): string => `${deliveryId}:first`;
