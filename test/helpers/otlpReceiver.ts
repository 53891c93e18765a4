import { createServer, type Server } from 'node:http';

/** One span as an OTLP/HTTP JSON export carries it, with its attributes made plain values. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  /** 2 = error (OTLP's STATUS_CODE_ERROR). */
  statusCode: number;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: OtlpValue[] } };
type OtlpAttribute = { key: string; value: OtlpValue };

function plain(value: OtlpValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue ?? null;
}

const attributesOf = (list: OtlpAttribute[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, plain(a.value)]));

/** The spans of one ExportTraceServiceRequest (OTLP/HTTP JSON: hex ids, typed attribute values). */
export function spansOf(request: any): ExportedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs: any) => (rs.scopeSpans ?? []).flatMap((ss: any) => (ss.spans ?? []).map((s: any) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId || null,
    name: s.name,
    kind: s.kind,
    attributes: attributesOf(s.attributes),
    events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
    statusCode: s.status?.code ?? 0,
  }))));
}

/**
 * A collector on 127.0.0.1 taking OTLP/HTTP JSON trace exports (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)
 * at /v1/traces. It counts every span; with `keep`, it also keeps them and the raw bodies.
 */
export class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  readonly bodies: string[] = [];
  requests = 0;
  spanCount = 0;
  private server: Server | null = null;

  constructor(private readonly options: { keep: boolean } = { keep: true }) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.requests++;
        const body = Buffer.concat(chunks).toString();
        let status = 200;
        try {
          if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
          if (this.options.keep) {
            const spans = spansOf(JSON.parse(body));
            this.spanCount += spans.length;
            this.bodies.push(body);
            this.spans.push(...spans);
          } else {
            // Counting only (the bench, in the process it measures): one "spanId" key per span, no parse.
            this.spanCount += body.match(/"spanId":/g)?.length ?? 0;
          }
        } catch {
          status = 400;
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to (the exporter appends /v1/traces). */
  get endpoint(): string {
    const { port } = this.server!.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }
}
