import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/** Temporal refuses a namespace retention under a day. */
export const MIN_NAMESPACE_RETENTION_MS = 86_400_000;

/**
 * Keeps closed workflows in the namespace as long as we keep delivery history, so the Web UI
 * and our API forget a delivery at about the same time (Temporal's floor is one day).
 * Returns the retention set.
 */
export async function matchNamespaceRetention(address: string, namespace: string, retentionMs: number): Promise<number> {
  const ms = Math.max(retentionMs, MIN_NAMESPACE_RETENTION_MS);
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(ms) } });
    return ms;
  } finally {
    await connection.close();
  }
}
