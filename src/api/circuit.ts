import type { WebhookRow } from '../db/types';
import { countWaitingRows } from '../db/repositories/permitQueue';
import type { ApiDeps } from './deps';
import { circuitJson } from './serializers';

/** The `circuit` a response shows: the endpoint workflow's live gate with the rows its queue holds in Postgres. */
export async function loadCircuit(deps: Pick<ApiDeps, 'db' | 'endpoints'>, row: WebhookRow) {
  const [live, waiting] = await Promise.all([deps.endpoints.status(row.id), countWaitingRows(deps.db, row.id)]);
  return circuitJson(row, live, waiting);
}
