// The OpenTelemetry SDK behind src/tracing (loaded only when tracing is on).
import { context, defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { VERSION } from '../version';
import { ATTR, type SpanAttributes } from './attributes';
import type { ActiveTracing, SpanHandle, SpanKindName } from './types';
import { temporalTracing } from './temporal';

const KINDS: Record<SpanKindName, SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL };
/** Stored traceparents are always W3C, whatever propagators the OTEL_* variables configure. */
const W3C = new W3CTraceContextPropagator();

/** The context whose parent is this stored traceparent; root when none (or not a valid one). */
export function parentContext(traceParent: string | null): Context {
  return traceParent ? W3C.extract(ROOT_CONTEXT, { traceparent: traceParent }, defaultTextMapGetter) : ROOT_CONTEXT;
}

/** The active span's traceparent, to be stored; null when no valid span is active. */
function currentTraceParent(): string | null {
  const carrier: { traceparent?: string } = {};
  W3C.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier.traceparent ?? null;
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
    traceParent: currentTraceParent,
    withTraceParent: (traceParent, fn) => context.with(parentContext(traceParent), fn),
    clientInterceptors: temporal.clientInterceptors,
    worker: temporal.worker,
    shutdown: () => sdk.shutdown(),
  };
}
