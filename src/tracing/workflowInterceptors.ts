// Bundled with the workflows when tracing is on (see src/temporal/worker.ts): deterministic
// code only. Spans made here leave the sandbox through the worker's `exporter` sink.
import { trace } from '@opentelemetry/api';
import { OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';
import { deliveryWorkflowAttributes, TRACED_WORKFLOW_TYPES } from './attributes';

/**
 * A delivery workflow's run is a span, a child of its start's (from the headers), with one
 * child per activity it schedules: its attempts and their retries stay in one trace. Signals
 * (permit grants) are not spans of their own: they carry no trace and would each open one.
 * Other workflows get no interceptors.
 */
export const interceptors = (): WorkflowInterceptors => {
  if (!TRACED_WORKFLOW_TYPES.includes(workflowInfo().workflowType)) return {};
  const run = new OpenTelemetryInboundInterceptor();
  return {
    inbound: [{
      execute: (input, next) => run.execute(input, (labelled) => {
        trace.getActiveSpan()?.setAttributes(deliveryWorkflowAttributes(labelled.args[0]));
        return next(labelled);
      }),
    }],
    outbound: [new OpenTelemetryOutboundInterceptor()],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};
