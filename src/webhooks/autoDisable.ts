import type { Knex } from 'knex';
import { findWebhooksOpenTooLong, lockWebhooksOpenTooLong, markDisabled } from '../db/repositories/circuits';
import { cancelOpenDeliveries } from '../db/repositories/deliveries';
import type { WebhookRow } from '../db/types';
import type { OperationalEvents, StoredNotice } from '../events/operational';
import { disabledNotice, disabledReason } from '../events/operationalData';
import { PeriodicPass } from '../events/periodicPass';
import type { Metrics } from '../metrics';
import { stopWorkflows, type LifecycleDeps } from './lifecycle';

export interface AutoDisableDeps extends LifecycleDeps {
  operational: OperationalEvents;
  metrics?: Metrics;
}

/** Webhooks disabled per transaction; a pass goes on while batches come back full. */
const BATCH = 100;

/** One pass at a time across every API process: a transaction-scoped advisory lock (released at commit). */
const PASS_LOCK = 'continuum:auto-disable';

/**
 * How often to look: a tenth of the setting, between 100 ms and a minute. A webhook is then
 * disabled at most that much later than its setting says (five days and a minute, by default),
 * and an idle system costs one indexed query a minute.
 */
export function autoDisableCheckIntervalMs(autoDisableAfterMs: number): number {
  return Math.min(60_000, Math.max(100, Math.round(autoDisableAfterMs / 10)));
}

interface Disabled {
  row: WebhookRow;
  cancelled: string[];
  notice: StoredNotice | null;
}

/**
 * Disables webhooks whose circuit has not closed for `autoDisableAfterMs` since their current
 * open period began: inactive with `disabled_reason` and `disabled_at`, waiting deliveries
 * cancelled as on `PATCH {active: false}`, `webhook.disabled` to the tenant's other subscribed
 * webhooks. The row change, the cancellations and the notice commit together, and only a
 * webhook still active is taken: each open period disables a webhook once, in whichever API
 * process gets there first.
 */
export class AutoDisablePass {
  private readonly periodic: PeriodicPass;

  constructor(private readonly deps: AutoDisableDeps, private readonly autoDisableAfterMs: number) {
    this.periodic = new PeriodicPass('auto-disable check', autoDisableCheckIntervalMs(autoDisableAfterMs), async () => {
      await this.runOnce();
    }, deps.log);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass; returns the ids of the webhooks it disabled. */
  async runOnce(): Promise<string[]> {
    const ids: string[] = [];
    const seen: string[] = [];
    for (;;) {
      const candidates = await findWebhooksOpenTooLong(this.deps.db, this.autoDisableAfterMs, BATCH, seen);
      seen.push(...candidates.map((c) => c.id));
      const batch = candidates.length > 0 ? await this.disableBatch(candidates.map((c) => c.id)) : [];
      if (batch === null) return ids; // another process is at it
      await this.afterCommit(batch);
      ids.push(...batch.map((d) => d.row.id));
      if (candidates.length < BATCH) return ids;
    }
  }

  private disableBatch(ids: string[]): Promise<Disabled[] | null> {
    return this.deps.db.transaction(async (tx) => {
      if (!(await tryPassLock(tx))) return null;
      const due = await lockWebhooksOpenTooLong(tx, this.autoDisableAfterMs, ids);
      const disabled: Disabled[] = [];
      for (const webhook of due) {
        const openSince = webhook.circuit_open_since as Date;
        const reason = disabledReason(openSince);
        const row = await markDisabled(tx, webhook.id, reason);
        const cancelled = await cancelOpenDeliveries(tx, webhook.id, `webhook disabled: ${reason}`);
        const notice = await this.deps.operational.store(tx, disabledNotice(row, openSince, row.disabled_at as Date, cancelled.length));
        disabled.push({ row, cancelled, notice });
      }
      return disabled;
    });
  }

  /** As after a PATCH: the delivery workflows and the endpoint workflow end; the notices start. */
  private async afterCommit(batch: Disabled[]): Promise<void> {
    for (const { row, cancelled } of batch) {
      this.deps.log.warn({ webhookId: row.id, tenantId: row.tenant_id, reason: row.disabled_reason, cancelled: cancelled.length }, 'webhook disabled: its circuit stayed open');
      await stopWorkflows(this.deps, row.id, cancelled);
    }
    this.deps.metrics?.webhooksAutoDisabled.inc(batch.length);
    this.deps.operational.started(batch.map((d) => d.notice));
  }
}

async function tryPassLock(tx: Knex.Transaction): Promise<boolean> {
  const { rows } = await tx.raw('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [PASS_LOCK]);
  return rows[0].locked === true;
}
