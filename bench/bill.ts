import { Client, Connection } from '@temporalio/client';

/** Counter totals by `metric|operation`, summed over every other label. */
export type Counters = Map<string, number>;

/** Reads a Temporal server's Prometheus counters (names with or without `_total`). */
export async function scrapeCounters(metricsUrl: string): Promise<Counters> {
  const text = await (await fetch(metricsUrl)).text();
  const counters: Counters = new Map();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+?)(?:_total)?\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!match) continue;
    const operation = /(?:^|,)operation="([^"]*)"/.exec(match[2])?.[1] ?? '';
    // Requests are counted by every service they pass (frontend, history, matching).
    const service = /(?:^|,)service_name="([^"]*)"/.exec(match[2])?.[1];
    const key = `${match[1]}|${operation}`;
    if (service && service !== 'frontend' && match[1] === 'service_requests') continue;
    counters.set(key, (counters.get(key) ?? 0) + Number(match[3]));
  }
  return counters;
}

const delta = (before: Counters, after: Counters, metric: string, operations: string[]) =>
  operations.reduce((sum, op) => sum + (after.get(`${metric}|${op}`) ?? 0) - (before.get(`${metric}|${op}`) ?? 0), 0);

/** What the server did between two scrapes, counted at its frontend and its stores. */
export function serverWork(before: Counters, after: Counters) {
  const frontend = (ops: string[]) => delta(before, after, 'service_requests', ops);
  return {
    workflow_tasks: frontend(['RespondWorkflowTaskCompleted']),
    workflow_starts: frontend(['StartWorkflowExecution', 'SignalWithStartWorkflowExecution', 'ExecuteMultiOperation']),
    signals: frontend(['SignalWorkflowExecution', 'SignalWithStartWorkflowExecution']),
    updates: frontend(['UpdateWorkflowExecution']),
    visibility_writes: [...after.keys()].filter((key) => /^visibility_persistence_requests\|(Record|Upsert|Delete)/.test(key))
      .reduce((sum, key) => sum + (after.get(key) ?? 0) - (before.get(key) ?? 0), 0),
    execution_writes: delta(before, after, 'persistence_requests', ['CreateWorkflowExecution', 'UpdateWorkflowExecution', 'ConflictResolveWorkflowExecution']),
  };
}

export interface WorkflowTotals {
  /** History events of the delivery runs and of the endpoint runs. */
  delivery: number;
  endpoint: number;
  runs: number;
  /** Workflow tasks the endpoint runs completed (the rest of the scenario's were the deliveries'). */
  endpointTasks: number;
  /** Endpoint workflows still running when counted. */
  openEndpoints: number;
}

/**
 * History events of the scenario's workflows: every delivery run and every endpoint run (those
 * continued as new included), from the server's visibility records; a running endpoint's
 * current length is read from its mutable state. The endpoint runs' histories are read whole
 * to count their workflow tasks (there are few of them: one per webhook and continue-as-new).
 */
export async function historyEvents(address: string, namespace: string, webhookIds: string[]): Promise<WorkflowTotals> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const totals: WorkflowTotals = { delivery: 0, endpoint: 0, runs: 0, endpointTasks: 0, openEndpoints: 0 };
  try {
    for (const webhookId of webhookIds) {
      for await (const run of client.workflow.list({ query: `WebhookId = "${webhookId}"` })) {
        const handle = client.workflow.getHandle(run.workflowId, run.runId);
        const running = run.status.name === 'RUNNING';
        const length = running ? (await handle.describe()).historyLength : run.historyLength;
        const endpoint = run.workflowId.startsWith('endpoint:');
        totals[endpoint ? 'endpoint' : 'delivery'] += length;
        totals.runs++;
        if (!endpoint) continue;
        if (running) totals.openEndpoints++;
        const history = await handle.fetchHistory();
        totals.endpointTasks += (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length;
      }
    }
    return totals;
  } finally {
    await connection.close();
  }
}

export interface Bill {
  history_events: number;
  history_events_delivery: number;
  history_events_endpoint: number;
  workflow_tasks: number;
  workflow_tasks_delivery: number;
  workflow_tasks_endpoint: number;
  signals: number;
  updates: number;
  workflow_starts: number;
  visibility_writes: number;
  execution_writes: number;
  cpu_ms: Record<string, number>;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Per successful delivery: what it cost Temporal (events, tasks, signals, writes) and CPU. */
export function billPerDelivery(
  succeeded: number,
  events: WorkflowTotals,
  work: ReturnType<typeof serverWork>,
  cpuSeconds: Record<string, number>,
): Bill {
  const per = (value: number) => round(value / Math.max(1, succeeded));
  return {
    history_events: per(events.delivery + events.endpoint),
    history_events_delivery: per(events.delivery),
    history_events_endpoint: per(events.endpoint),
    workflow_tasks: per(work.workflow_tasks),
    workflow_tasks_delivery: per(work.workflow_tasks - events.endpointTasks),
    workflow_tasks_endpoint: per(events.endpointTasks),
    signals: per(work.signals),
    updates: per(work.updates),
    workflow_starts: per(work.workflow_starts),
    visibility_writes: per(work.visibility_writes),
    execution_writes: per(work.execution_writes),
    cpu_ms: Object.fromEntries(Object.entries(cpuSeconds).map(([name, s]) => [name, round((s * 1000) / Math.max(1, succeeded), 1)])),
  };
}
