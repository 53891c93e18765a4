import type { WebhookRow } from '../db/types';
import { countLeases } from '../gate/leases';
import { countWaitingRows } from '../gate/queue';
import type { ApiDeps } from './deps';
import { circuitJson } from './serializers';

/** The `circuit` a response shows: the webhook row's breaker, its leases in flight and the rows waiting for one. */
export async function loadCircuit(deps: Pick<ApiDeps, 'db' | 'circuitOpenMs'>, row: WebhookRow) {
  const [inFlight, waiting] = await Promise.all([countLeases(deps.db, row.id), countWaitingRows(deps.db, row.id)]);
  return circuitJson(row, deps.circuitOpenMs, inFlight, waiting);
}
