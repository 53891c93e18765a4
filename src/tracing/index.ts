// Traces (docs/tracing.md): on when OTEL_EXPORTER_OTLP_ENDPOINT is set, otherwise nothing at
// all. OpenTelemetry's API is process-wide by design, and so is this switch: until
// startTracing() loads the SDK, every hook below is a pass-through that loads no OpenTelemetry
// module, stores nothing and costs one null check. Nothing here imports OpenTelemetry.
import type { SpanAttributes } from './attributes';
import type { ActiveTracing, SpanHandle, SpanKindName } from './types';

export { ATTR, type SpanAttributes } from './attributes';
export type { ActiveTracing, SpanHandle, SpanKindName, WorkerTracing } from './types';

let active: ActiveTracing | null = null;

const NO_SPAN: SpanHandle = { set: () => {}, fail: () => {} };

/**
 * Starts the OpenTelemetry SDK when `endpoint` (OTEL_EXPORTER_OTLP_ENDPOINT) is set; the SDK
 * reads the other OTEL_* variables itself. Call before the system starts (the client and the
 * worker pick up their interceptors then). Returns whether tracing is on.
 */
export async function startTracing(endpoint: string | undefined): Promise<boolean> {
  if (!endpoint) return false;
  if (!active) active = (await import('./sdk.js')).startSdk();
  return true;
}

/** Sends the spans still buffered and stops the SDK; call after the system stopped. */
export async function stopTracing(): Promise<void> {
  const stopping = active;
  active = null;
  await stopping?.shutdown();
}

/** The running SDK, or null when tracing is off. */
export function activeTracing(): ActiveTracing | null {
  return active;
}

/**
 * Runs `fn` in a span (a child of the current one; with `carrier`, of the W3C trace context in
 * those request headers). Tracing off: runs `fn` alone.
 */
export function inSpan<T>(name: string, kind: SpanKindName, attributes: SpanAttributes, fn: (span: SpanHandle) => Promise<T>, carrier?: Record<string, unknown>): Promise<T> {
  return active ? active.inSpan(name, kind, attributes, fn, carrier) : fn(NO_SPAN);
}

/** The current span as a W3C traceparent, to be stored; null when tracing is off or no span is current. */
export function currentTraceParent(): string | null {
  return active ? active.traceParent() : null;
}

/**
 * Runs `fn` as a child of a stored traceparent, or of nothing (a new trace) when there is none:
 * a delivery workflow started by a grant joins its publish's trace, not the grant's. Tracing off: runs `fn`.
 */
export function withTraceParent<T>(traceParent: string | null | undefined, fn: () => Promise<T>): Promise<T> {
  return active ? active.withTraceParent(traceParent ?? null, fn) : fn();
}
