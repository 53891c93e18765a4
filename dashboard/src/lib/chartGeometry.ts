/** What the chart reads of a bucket of GET /webhooks/{id}/stats/timeseries. */
export interface ChartBucket {
  succeeded: number;
  failed: number;
  pending: number;
  cancelled: number;
}

/** Outcomes stacked from the bottom up. */
export const OUTCOMES = ['succeeded', 'failed', 'pending', 'cancelled'] as const;

export interface Segment {
  outcome: (typeof OUTCOMES)[number];
  y: number;
  height: number;
}

export interface BarLayout {
  x: number;
  width: number;
  segments: Segment[];
}

/** The smallest of 1, 2, 5 × 10^n at or above `value` (at least 1): a readable axis maximum. */
export function niceCeiling(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

/** Stacked bars, succeeded at the bottom, in a plot of the given size (SVG y grows downwards). */
export function stackedBars(buckets: ChartBucket[], width: number, height: number): { max: number; bars: BarLayout[] } {
  const max = niceCeiling(Math.max(0, ...buckets.map((b) => OUTCOMES.reduce((sum, outcome) => sum + b[outcome], 0))));
  const slot = buckets.length ? width / buckets.length : width;
  const bars = buckets.map((bucket, index) => {
    let top = height;
    const segments: Segment[] = [];
    for (const outcome of OUTCOMES) {
      const segmentHeight = (bucket[outcome] / max) * height;
      if (segmentHeight <= 0) continue;
      top -= segmentHeight;
      segments.push({ outcome, y: top, height: segmentHeight });
    }
    return { x: index * slot + slot * 0.15, width: slot * 0.7, segments };
  });
  return { max, bars };
}

/** Heights of one value per bucket against a shared maximum. */
export function valueBars(values: number[], height: number, max = niceCeiling(Math.max(0, ...values))) {
  return { max, heights: values.map((value) => (value / max) * height) };
}
