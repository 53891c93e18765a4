import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';

const { History } = proto.api.history.v1;
import { getInfra } from './infra';

export interface CollectedHistory {
  workflowId: string;
  runId: string;
  history: proto.api.history.v1.IHistory;
}

export const FIXTURE_DIR = path.resolve(__dirname, '../../../test/fixtures/histories');

/** Every run (continue-as-new runs included) of the workflows of these webhooks. */
export async function collectHistories(webhookIds: string[]): Promise<CollectedHistory[]> {
  const connection = await Connection.connect({ address: getInfra().temporalAddress });
  try {
    const client = new Client({ connection });
    const collected: CollectedHistory[] = [];
    for (const webhookId of webhookIds) {
      for await (const run of client.workflow.list({ query: `WebhookId = "${webhookId}" AND ExecutionStatus != "Running"` })) {
        const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        collected.push({ workflowId: run.workflowId, runId: run.runId, history });
      }
    }
    return collected;
  } finally {
    await connection.close();
  }
}

/** Replays histories against today's workflow code: a non-deterministic change fails here. */
export async function replay(histories: Array<{ workflowId: string; history: proto.api.history.v1.IHistory }>): Promise<void> {
  assert.ok(histories.length > 0, 'there are histories to replay');
  const results = Worker.runReplayHistories({ workflowBundle: getInfra().workflowBundle }, histories);
  let count = 0;
  for await (const result of results) {
    assert.equal(result.error, undefined, `${result.workflowId} replays: ${result.error?.message}`);
    count++;
  }
  assert.equal(count, histories.length);
}

/** The input a run continued as new with (the carried state), or null. */
export function continuedAsNewInput(history: proto.api.history.v1.IHistory): any {
  const event = history.events?.find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
  const payload = event?.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads?.[0];
  return payload?.data ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : null;
}

/** Stores histories as fixtures (UPDATE_HISTORY_FIXTURES=1), so later code must replay them too. */
export async function saveFixtures(name: string, histories: CollectedHistory[]): Promise<void> {
  if (process.env.UPDATE_HISTORY_FIXTURES !== '1') return;
  // Binary protobuf, base64: exact, and independent of JSON mapping quirks.
  const json = histories.map((h) => ({ workflowId: h.workflowId, history: Buffer.from(History.encode(History.fromObject(h.history)).finish()).toString('base64') }));
  await writeFile(path.join(FIXTURE_DIR, `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
}

export async function loadFixtures(): Promise<Array<{ workflowId: string; history: proto.api.history.v1.IHistory }>> {
  const files = (await readdir(FIXTURE_DIR)).filter((f) => f.endsWith('.json'));
  const all = [];
  for (const file of files) {
    const parsed: Array<{ workflowId: string; history: string }> = JSON.parse(await readFile(path.join(FIXTURE_DIR, file), 'utf8'));
    all.push(...parsed.map((h) => ({ workflowId: h.workflowId, history: History.decode(Buffer.from(h.history, 'base64')) })));
  }
  return all;
}
