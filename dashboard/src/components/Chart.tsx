import type { Bucket } from '../api/client';
import { stackedBars, valueBars } from '../lib/chartGeometry';
import { duration, hour } from '../lib/format';

const WIDTH = 720;
const HEIGHT = 160;
const AXIS = 28;

function describe(bucket: Bucket): string {
  const latency = bucket.attempts ? `, average ${duration(bucket.avg_duration_ms)}, p95 ${duration(bucket.p95_duration_ms)}` : '';
  return `${hour(bucket.start)}: ${bucket.deliveries} deliveries (${bucket.succeeded} succeeded, ${bucket.failed} failed, `
    + `${bucket.pending} pending, ${bucket.cancelled} cancelled); ${bucket.attempts} attempts${latency}`;
}

function Axis({ max, unit }: { max: number; unit: string }) {
  return (
    <g class="axis" aria-hidden="true">
      <line x1={AXIS} y1={HEIGHT} x2={WIDTH + AXIS} y2={HEIGHT} />
      <text x={AXIS - 4} y={10} text-anchor="end">{max}</text>
      <text x={AXIS - 4} y={HEIGHT} text-anchor="end">0</text>
      <text x={WIDTH + AXIS} y={HEIGHT + 16} text-anchor="end">{unit}</text>
    </g>
  );
}

function HourLabels({ buckets }: { buckets: Bucket[] }) {
  const slot = WIDTH / Math.max(1, buckets.length);
  return (
    <g class="hours" aria-hidden="true">
      {buckets.map((bucket, index) => (index % 6 === 0 ? <text key={bucket.start} x={AXIS + index * slot} y={HEIGHT + 16}>{hour(bucket.start)}</text> : null))}
    </g>
  );
}

/** Deliveries per hour, stacked by outcome; each hour is one <g class="bar"> carrying its counts. */
export function DeliveriesChart({ buckets }: { buckets: Bucket[] }) {
  const { max, bars } = stackedBars(buckets, WIDTH, HEIGHT);
  return (
    <figure class="chart">
      <figcaption>Deliveries per hour, last 24 h <span class="legend"><i class="succeeded" /> succeeded <i class="failed" /> failed <i class="pending" /> pending <i class="cancelled" /> cancelled</span></figcaption>
      <svg viewBox={`0 0 ${WIDTH + AXIS} ${HEIGHT + 22}`} role="img" aria-label="Deliveries per hour by outcome" data-chart="deliveries">
        <Axis max={max} unit="deliveries" />
        {bars.map((bar, index) => {
          const b = buckets[index];
          return (
            <g key={b.start} class="bar" data-start={b.start} data-deliveries={b.deliveries} data-succeeded={b.succeeded}
              data-failed={b.failed} data-pending={b.pending} data-cancelled={b.cancelled}>
              <title>{describe(b)}</title>
              <rect class="slot" x={AXIS + bar.x} y={0} width={bar.width} height={HEIGHT} />
              {bar.segments.map((s) => <rect key={s.outcome} class={s.outcome} x={AXIS + bar.x} y={s.y} width={bar.width} height={s.height} />)}
            </g>
          );
        })}
        <HourLabels buckets={buckets} />
      </svg>
    </figure>
  );
}

/** Attempt latency per hour: p95 as a light bar, the average as a dark bar inside it. */
export function LatencyChart({ buckets }: { buckets: Bucket[] }) {
  const p95 = valueBars(buckets.map((b) => b.p95_duration_ms), HEIGHT);
  const avg = valueBars(buckets.map((b) => b.avg_duration_ms), HEIGHT, p95.max);
  const slot = WIDTH / Math.max(1, buckets.length);
  return (
    <figure class="chart">
      <figcaption>Attempt latency per hour <span class="legend"><i class="avg" /> average <i class="p95" /> p95</span></figcaption>
      <svg viewBox={`0 0 ${WIDTH + AXIS} ${HEIGHT + 22}`} role="img" aria-label="Attempt latency per hour" data-chart="latency">
        <Axis max={p95.max} unit="ms" />
        {buckets.map((b, index) => (
          <g key={b.start} class="bar" data-start={b.start} data-attempts={b.attempts} data-failed-attempts={b.failed_attempts}
            data-avg-ms={b.avg_duration_ms} data-p95-ms={b.p95_duration_ms}>
            <title>{describe(b)}</title>
            <rect class="p95" x={AXIS + index * slot + slot * 0.15} y={HEIGHT - p95.heights[index]} width={slot * 0.7} height={p95.heights[index]} />
            <rect class="avg" x={AXIS + index * slot + slot * 0.3} y={HEIGHT - avg.heights[index]} width={slot * 0.4} height={avg.heights[index]} />
          </g>
        ))}
        <HourLabels buckets={buckets} />
      </svg>
    </figure>
  );
}
