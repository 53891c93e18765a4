import type { Circuit } from '../api/client';
import { useAction, useDashboard } from '../hooks';
import { dateTime } from '../lib/format';
import { CircuitBadge, ErrorBox } from './ui';

/** The endpoint's circuit breaker as its workflow reports it, with "reset" to close it at once. */
export function CircuitCard({ webhookId, circuit, onChange }: { webhookId: string; circuit: Circuit | undefined; onChange: () => void }) {
  const { client, session } = useDashboard();
  const reset = useAction(async () => {
    await client.webhooks.resetCircuit(webhookId);
    onChange();
  });
  return (
    <section class="card" aria-labelledby="circuit-title">
      <h2 id="circuit-title">Circuit</h2>
      <p><CircuitBadge state={circuit?.state} /></p>
      {circuit && (
        <dl class="facts">
          <dt>Consecutive failures</dt><dd>{circuit.consecutive_failures}</dd>
          <dt>Opened</dt><dd>{dateTime(circuit.opened_at)}</dd>
          <dt>Half-open at</dt><dd>{dateTime(circuit.half_open_at)}</dd>
          <dt>In flight / queued</dt><dd>{circuit.in_flight} / {circuit.queued}</dd>
        </dl>
      )}
      {!session.read_only && circuit && circuit.state !== 'closed' && (
        <button type="button" onClick={() => reset.run()} disabled={reset.busy}>{reset.busy ? 'Resetting…' : 'Reset circuit'}</button>
      )}
      {reset.error && <ErrorBox error={reset.error} />}
    </section>
  );
}
