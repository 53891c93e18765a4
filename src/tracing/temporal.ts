// Temporal's OpenTelemetry interceptors, narrowed to the delivery workflows (docs/tracing.md).
import { trace } from '@opentelemetry/api';
import type { BasicTracerProvider, ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Next, WorkflowClientInterceptor, WorkflowSignalWithStartInput, WorkflowStartInput } from '@temporalio/client';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { deliveryWorkflowAttributes, TRACED_WORKFLOW_TYPES } from './attributes';
import type { WorkerTracing } from './types';

/** Labels the start span (the interceptor's, current while `next` runs) with the delivery's ids. */
function labelled<I extends { options: { args?: unknown[] } }, O>(next: (input: I) => Promise<O>) {
  return (input: I) => {
    trace.getActiveSpan()?.setAttributes(deliveryWorkflowAttributes(input.options.args?.[0]));
    return next(input);
  };
}

/**
 * Starts of delivery workflows (a claim's, a manual retry's) get a span and carry the trace to
 * the workflow in its headers. Every other client call (signals, queries, endpoint workflows)
 * goes untraced: a span of its own would open a trace per lease handed out.
 */
class DeliveryStartTracing implements WorkflowClientInterceptor {
  private readonly otel = new OpenTelemetryWorkflowClientInterceptor();

  startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>) {
    return TRACED_WORKFLOW_TYPES.includes(input.workflowType) ? this.otel.startWithDetails(input, labelled(next)) : next(input);
  }

  signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>) {
    return TRACED_WORKFLOW_TYPES.includes(input.workflowType) ? this.otel.signalWithStart(input, labelled(next)) : next(input);
  }
}

/**
 * Activities run by a traced workflow carry its context in their headers: they get a span, a
 * child of the workflow's. The rest (the endpoint workflow's grant batches) get none.
 */
const tracedActivities: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute: (input, next) => (input.headers[TRACE_HEADER] ? new OpenTelemetryActivityInboundInterceptor(ctx).execute(input, next) : next(input)),
  },
});

/** OpenTelemetry attribute values are primitives or arrays of them. */
const isAttributeValue = (value: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof value)
  || (Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item)));

/**
 * Workflow spans come out of the workflow sandbox through a sink, which copies the workflow's
 * info onto each span's attributes (ids, task queue, and objects such as its search attributes
 * and memo). Only the primitive ones are kept, then the span joins the process's own export.
 */
function workflowSpanProcessor(provider: Partial<BasicTracerProvider>): SpanProcessor {
  const processor = () => provider.getActiveSpanProcessor?.();
  return {
    onStart: () => {},
    onEnd(span: ReadableSpan) {
      for (const [key, value] of Object.entries(span.attributes)) if (!isAttributeValue(value)) delete span.attributes[key];
      processor()?.onEnd(span);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

/** The client's and the worker's parts, for the SDK just started with this provider. */
export function temporalTracing(provider: Partial<BasicTracerProvider>): { clientInterceptors: WorkflowClientInterceptor[]; worker: WorkerTracing } {
  return {
    clientInterceptors: [new DeliveryStartTracing()],
    worker: {
      activityInterceptors: [tracedActivities],
      sinks: provider.resource ? { exporter: makeWorkflowExporter(workflowSpanProcessor(provider), provider.resource as never) } : {},
      workflowInterceptorModules: [require.resolve('./workflowInterceptors')],
    },
  };
}
