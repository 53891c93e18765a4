// Minimal workflows that measure what this machine's Temporal server can do at all.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10s' });

export async function emptyWorkflow(): Promise<void> {}

export async function oneActivityWorkflow(): Promise<void> {
  await noop();
}

export async function oneLocalActivityWorkflow(): Promise<void> {
  await local.noop();
}
