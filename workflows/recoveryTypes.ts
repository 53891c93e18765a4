// Plain types of the recovery workflow and its activities (types only, like types.ts).

/** Where a recovery is: the last matched delivery it started (ids ascending) and its counts so far. */
export interface RecoveryProgress {
  after: string | null;
  started: number;
  succeeded: number;
  failed: number;
}

export interface RecoveryWorkflowInput {
  recoveryId: string;
  tenantId: string;
  webhookId: string;
  /** Deliveries started per run before it continues as new (carrying its progress). */
  itemsPerRun: number;
  /** Bound on waiting for one re-attempted delivery to finish (it may wait for the circuit). */
  waitTimeoutMs: number;
  /** Where the waits run (their own queue, so they never hold the slots deliveries need); default: this workflow's. */
  waitTaskQueue?: string;
  /** Carried across continue-as-new; absent on the first run. */
  progress?: RecoveryProgress;
}

export type RecoveryStatus = 'running' | 'completed' | 'cancelled';

export interface RecoveryPage {
  deliveryIds: string[];
  /** The webhook's limit now: recovery deliveries outstanding at once never exceed it. */
  maxConcurrency: number;
  /** False once the webhook is deleted or inactive: the recovery stops there. */
  webhookActive: boolean;
}

/** One matched delivery of one recovery. */
export interface RecoveryItemRef {
  recoveryId: string;
  tenantId: string;
  webhookId: string;
  deliveryId: string;
}

/** The activities the recovery workflow calls (activities/recovery.ts implements them). */
export interface RecoveryActivities {
  /** The next matched deliveries after `after`, in id order, with the webhook's state. */
  loadRecoveryPage(input: { recoveryId: string; webhookId: string; after: string | null; limit: number }): Promise<RecoveryPage>;
  /** Re-attempts one delivery through the manual-retry path (trigger `recovery`): the run id to wait
   *  for, or null when the delivery is gone (pruned: skipped) or the webhook is no longer active
   *  (the recovery stops). Repeated, it signals no second time. */
  startRecoveryAttempt(input: RecoveryItemRef): Promise<{ runId: string | null; webhookActive: boolean }>;
  /** Waits for that run to finish and records the outcome once; true when the delivery succeeded. */
  awaitRecoveryAttempt(input: RecoveryItemRef & { runId: string }): Promise<boolean>;
  finishRecovery(input: { recoveryId: string; status: Exclude<RecoveryStatus, 'running'> }): Promise<void>;
}
