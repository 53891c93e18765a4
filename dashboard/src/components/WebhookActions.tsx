import { useState } from 'preact/hooks';
import { useAction, useDashboard } from '../hooks';
import { duration } from '../lib/format';
import { Link, navigate } from '../router';
import { Recover } from './Recover';
import { ErrorBox, RevealOnce } from './ui';

function TestEvent({ webhookId, onSent }: { webhookId: string; onSent: () => void }) {
  const { client } = useDashboard();
  const test = useAction(async () => {
    const result = await client.webhooks.test(webhookId);
    onSent();
    return result;
  });
  const r = test.result;
  return (
    <div class="action">
      <button type="button" onClick={() => test.run()} disabled={test.busy}>{test.busy ? 'Sending…' : 'Send test event'}</button>
      {r && (
        <p class={`result ${r.success ? 'ok' : r.success === false ? 'bad' : ''}`} role="status" data-test-result={r.status}>
          {r.success === null ? `Still ${r.status}: follow delivery ${r.delivery_id} below.`
            : `${r.success ? 'Delivered' : 'Failed'}${r.status_code ? `: HTTP ${r.status_code}` : ''}, ${duration(r.duration_ms)}${r.error ? ` — ${r.error}` : ''}`}
        </p>
      )}
      {test.error && <ErrorBox error={test.error} />}
    </div>
  );
}

function RotateSecret({ webhookId }: { webhookId: string }) {
  const { client } = useDashboard();
  const rotate = useAction(() => client.webhooks.rotateSecret(webhookId));
  return (
    <div class="action">
      <button type="button" onClick={() => rotate.run()} disabled={rotate.busy}>{rotate.busy ? 'Rotating…' : 'Rotate secret'}</button>
      {rotate.result && (
        <>
          <RevealOnce title="New signing secret" secret={rotate.result.secret} onDone={rotate.clear} />
          <p class="hint">The previous secret still signs until {new Date(rotate.result.previous_secret_expires_at).toLocaleString()}.</p>
        </>
      )}
      {rotate.error && <ErrorBox error={rotate.error} />}
    </div>
  );
}

function DeleteWebhook({ webhookId, name }: { webhookId: string; name: string }) {
  const { client } = useDashboard();
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(async () => {
    await client.webhooks.delete(webhookId);
    navigate('/webhooks');
  });
  if (!confirming) return <button type="button" class="danger" onClick={() => setConfirming(true)}>Delete webhook</button>;
  return (
    <div class="action confirm" role="group" aria-label="Confirm deletion">
      <p>Delete {name}? Its waiting deliveries are cancelled.</p>
      <button type="button" class="danger" onClick={() => remove.run()} disabled={remove.busy}>Yes, delete</button>
      <button type="button" onClick={() => setConfirming(false)}>Keep it</button>
      {remove.error && <ErrorBox error={remove.error} />}
    </div>
  );
}

/** What a session that may change things can do to one webhook. */
export function WebhookActions({ webhookId, name, onChange }: { webhookId: string; name: string; onChange: () => void }) {
  return (
    <section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div class="row wrap">
        <Link href={`/webhooks/${webhookId}/edit`} class="button">Edit</Link>
        <DeleteWebhook webhookId={webhookId} name={name} />
      </div>
      <TestEvent webhookId={webhookId} onSent={onChange} />
      <RotateSecret webhookId={webhookId} />
      <Recover webhookId={webhookId} onStarted={onChange} />
    </section>
  );
}
