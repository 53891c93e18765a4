import { useState } from 'preact/hooks';
import { useAction, useDashboard } from '../hooks';
import { ErrorBox } from './ui';

const RECOVERABLE = ['dead_lettered', 'cancelled'];

/** datetime-local text (local time) → ISO; "" stays empty. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');

/** Redelivers, in bulk, what failed in a time range (POST /webhooks/{id}/recover). */
export function Recover({ webhookId, onStarted }: { webhookId: string; onStarted: () => void }) {
  const { client } = useDashboard();
  const [open, setOpen] = useState(false);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [statuses, setStatuses] = useState<string[]>([]);
  const recover = useAction(async () => {
    const result = await client.webhooks.recover(webhookId, {
      since: toIso(since),
      ...(until ? { until: toIso(until) } : {}),
      ...(statuses.length ? { statuses: statuses as Array<'dead_lettered' | 'cancelled'> } : {}),
    });
    onStarted();
    return result;
  });
  if (!open) return <div class="action"><button type="button" onClick={() => setOpen(true)}>Recover failed deliveries…</button></div>;
  const submit = (event: Event) => {
    event.preventDefault();
    void recover.run();
  };
  return (
    <form class="action recover" onSubmit={submit} aria-label="Recover failed deliveries">
      <div class="row wrap">
        <label>Since <input type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} required /></label>
        <label>Until (optional) <input type="datetime-local" value={until} onInput={(e) => setUntil(e.currentTarget.value)} /></label>
      </div>
      <fieldset>
        <legend>Statuses (none: the server's default)</legend>
        {RECOVERABLE.map((status) => (
          <label key={status} class="check">
            <input type="checkbox" checked={statuses.includes(status)}
              onChange={(e) => setStatuses(e.currentTarget.checked ? [...statuses, status] : statuses.filter((s) => s !== status))} /> {status}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <button type="submit" disabled={recover.busy || !since}>{recover.busy ? 'Starting…' : 'Recover'}</button>
        <button type="button" onClick={() => setOpen(false)}>Close</button>
      </div>
      {recover.result && <p role="status">Recovery {recover.result.id}: {recover.result.matched} deliveries matched ({recover.result.status}).</p>}
      {recover.error && <ErrorBox error={recover.error} />}
    </form>
  );
}
