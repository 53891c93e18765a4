// The shapes shared by the tracing switch (index.ts) and the SDK behind it (sdk.ts). Types only.
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { SpanAttributes } from './attributes';

/** A span in progress, as the code it wraps sees it. */
export interface SpanHandle {
  set(attributes: SpanAttributes): void;
  /** Marks the span failed; `errorType` is a short class of failure (a status code, "timeout"), never a message. */
  fail(errorType: string): void;
}

export type SpanKindName = 'server' | 'client' | 'internal';

/** What the worker adds when tracing is on: activity interceptors, the workflow span sink, the workflow interceptor module. */
export interface WorkerTracing {
  activityInterceptors: ActivityInterceptorsFactory[];
  sinks: InjectedSinks<any>;
  workflowInterceptorModules: string[];
}

/** The running SDK (src/tracing/sdk.ts). */
export interface ActiveTracing {
  inSpan<T>(name: string, kind: SpanKindName, attributes: SpanAttributes, fn: (span: SpanHandle) => Promise<T>, carrier?: Record<string, unknown>): Promise<T>;
  traceParent(): string | null;
  withTraceParent<T>(traceParent: string | null, fn: () => Promise<T>): Promise<T>;
  clientInterceptors: WorkflowClientInterceptor[];
  worker: WorkerTracing;
  shutdown(): Promise<void>;
}
