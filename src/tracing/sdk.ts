// The OpenTelemetry SDK behind src/tracing (loaded only when tracing is on).
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { VERSION } from '../version';
import { ATTR, type SpanAttributes } from './attributes';
import type { ActiveTracing, SpanHandle, SpanKindName } from './types';
import { temporalTracing } from './temporal';

const KINDS: Record<SpanKindName, SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL };
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context whose parent is this stored traceparent (always W3C, whatever propagators are configured); root when none. */
export function parentContext(traceParent: string | null): Context {
  const match = traceParent ? TRACEPARENT.exec(traceParent) : null;
  if (!match) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16), isRemote: true });
}

function formatTraceParent(span: Span | undefined): string | null {
  const sc = span?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return null;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

function handle(span: Span): SpanHandle {
  return {
    set: (attributes) => span.setAttributes(attributes),
    fail: (errorType) => {
      span.setAttribute(ATTR.errorType, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    },
  };
}

/**
 * Starts the SDK: exporter, protocol, sampler and resource from the standard OTEL_* variables
 * (OTLP over http/protobuf by default); service.name defaults to continuum-webhooks. No
 * auto-instrumentation: it would record URLs and headers. Our own spans, and Temporal's
 * interceptors for the delivery workflows, are all there is.
 */
export function startSdk(): ActiveTracing {
  const sdk = new NodeSDK({
    resource: new Resource({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME || 'continuum-webhooks', [ATTR_SERVICE_VERSION]: VERSION }),
    instrumentations: [],
    // Traces only: no log records (nothing of ours logs through OpenTelemetry).
    logRecordProcessors: [],
  });
  sdk.start();
  const provider = (trace.getTracerProvider() as unknown as { getDelegate(): Partial<BasicTracerProvider> }).getDelegate();
  const tracer = trace.getTracer('continuum-webhooks', VERSION);
  const temporal = temporalTracing(provider);

  return {
    inSpan<T>(name: string, kind: SpanKindName, attributes: SpanAttributes, fn: (span: SpanHandle) => Promise<T>, carrier?: Record<string, unknown>) {
      const parent = carrier ? propagation.extract(context.active(), carrier) : context.active();
      return tracer.startActiveSpan(name, { kind: KINDS[kind], attributes }, parent, async (span) => {
        try {
          return await fn(handle(span));
        } catch (err) {
          // The error's class, never its message (it may quote input).
          handle(span).fail((err as Error)?.name ?? 'error');
          throw err;
        } finally {
          span.end();
        }
      });
    },
    traceParent: () => formatTraceParent(trace.getActiveSpan()),
    withTraceParent: (traceParent, fn) => context.with(parentContext(traceParent), fn),
    clientInterceptors: temporal.clientInterceptors,
    worker: temporal.worker,
    shutdown: () => sdk.shutdown(),
  };
}
