/** "97.5 %" from a percentage (the API's 0..100 rates); an em dash when there is nothing to rate. */
export function percent(value: number | null | undefined, total?: number): string {
  if (value === null || value === undefined || total === 0) return '—';
  return `${value.toFixed(Number.isInteger(value) ? 0 : 1)} %`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** Local date and time, to the second; "—" for none. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "14:00" for an hour bucket. */
export function hour(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export const STATUS_LABELS: Record<string, string> = {
  pending: 'pending', in_flight: 'in flight', retrying: 'retrying', waiting_circuit: 'waiting (circuit)',
  succeeded: 'succeeded', dead_lettered: 'dead-lettered', cancelled: 'cancelled',
};
