import { CancellationScope, condition, continueAsNew, isCancellation, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { RecoveryActivities, RecoveryProgress, RecoveryWorkflowInput } from './recoveryTypes';

/** Matched deliveries read per activity call. */
const PAGE_SIZE = 100;
const RETRY: RetryPolicy = { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 };
const { loadRecoveryPage, startRecoveryAttempt, finishRecovery } = proxyActivities<RecoveryActivities>({
  startToCloseTimeout: '1m', retry: RETRY,
});

/**
 * One bulk recovery (`recover:<rec_id>`): re-attempts each matched delivery once more through
 * the manual-retry path (trigger `recovery`), in id order. At most the webhook's
 * max_concurrency of them are outstanding at once, each followed until its run ends before
 * another starts, so a recovery never piles up in the endpoint's queue. Continues as new
 * every `itemsPerRun` deliveries (once those have finished), carrying its progress. The
 * counts live in the recovery row (written by the activities, exactly once per delivery).
 */
export async function recoveryWorkflow(input: RecoveryWorkflowInput): Promise<RecoveryProgress> {
  try {
    return await recover(input);
  } catch (err) {
    // Cancelled by an operator (Web UI, CLI): the row says so, and no longer blocks its window.
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => finishRecovery({ recoveryId: input.recoveryId, status: 'cancelled' }));
    throw err;
  }
}

async function recover(input: RecoveryWorkflowInput): Promise<RecoveryProgress> {
  // Waiting for a delivery may take as long as the endpoint holds it; heartbeats show the waiter lives.
  const { awaitRecoveryAttempt } = proxyActivities<RecoveryActivities>({
    startToCloseTimeout: input.waitTimeoutMs, heartbeatTimeout: '1m', retry: RETRY, taskQueue: input.waitTaskQueue,
  });
  const { recoveryId, tenantId, webhookId } = input;
  const progress: RecoveryProgress = { ...(input.progress ?? { after: null, started: 0, succeeded: 0, failed: 0 }) };
  let outstanding = 0;
  let startedThisRun = 0;

  const count = (succeeded: boolean) => {
    if (succeeded) progress.succeeded++;
    else progress.failed++;
    outstanding--;
  };
  const follow = (deliveryId: string, runId: string) => {
    outstanding++;
    void awaitRecoveryAttempt({ recoveryId, tenantId, webhookId, deliveryId, runId }).then(count, () => count(false));
  };

  let active = true;
  for (;;) {
    const page = await loadRecoveryPage({ recoveryId, webhookId, after: progress.after, limit: Math.min(PAGE_SIZE, input.itemsPerRun - startedThisRun) });
    active = page.webhookActive;
    if (!active || page.deliveryIds.length === 0) break;
    for (const deliveryId of page.deliveryIds) {
      await condition(() => outstanding < page.maxConcurrency);
      const started = await startRecoveryAttempt({ recoveryId, tenantId, webhookId, deliveryId });
      active = started.webhookActive;
      if (!active) break;
      progress.after = deliveryId;
      startedThisRun++;
      // No run: the delivery was pruned meanwhile (its item with it), so it is skipped.
      if (started.runId === null) continue;
      progress.started++;
      follow(deliveryId, started.runId);
    }
    if (!active) break;
    if (startedThisRun >= input.itemsPerRun) {
      await condition(() => outstanding === 0);
      await continueAsNew<typeof recoveryWorkflow>({ ...input, progress });
    }
  }
  // Deactivated or deleted meanwhile: the rest is not attempted (those outstanding were cancelled with it).
  await condition(() => outstanding === 0);
  await finishRecovery({ recoveryId, status: active ? 'completed' : 'cancelled' });
  return progress;
}
