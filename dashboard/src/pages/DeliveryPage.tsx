import { useState } from 'preact/hooks';
import type { Attempt } from '../api/client';
import { DeliveryOrderFacts } from '../components/DeliveryOrder';
import { ErrorBox, Loading, StatusBadge } from '../components/ui';
import { temporalWorkflowUrl } from '../config';
import { useAction, useDashboard, useResource } from '../hooks';
import { dateTime, duration } from '../lib/format';
import { Link } from '../router';

const REFRESH_MS = 2000;

function AttemptItem({ attempt }: { attempt: Attempt }) {
  const ok = attempt.status_code !== null && attempt.status_code >= 200 && attempt.status_code < 300;
  return (
    <li class={`attempt ${ok ? 'ok' : 'bad'}`} data-attempt={attempt.attempt_number} data-trigger={attempt.trigger} data-status-code={attempt.status_code ?? ''}>
      <h3>Attempt {attempt.attempt_number} <span class="badge muted">{attempt.trigger}</span></h3>
      <dl class="facts">
        <dt>Time</dt><dd>{dateTime(attempt.started_at)}</dd>
        <dt>Status code</dt><dd>{attempt.status_code ?? 'none'}</dd>
        <dt>Duration</dt><dd>{duration(attempt.duration_ms)}</dd>
        {attempt.error_message && <><dt>Error</dt><dd class="bad">{attempt.error_message}</dd></>}
      </dl>
      {attempt.response_body && <details><summary>Response (first 1 KiB)</summary><pre>{attempt.response_body}</pre></details>}
    </li>
  );
}

function Payload({ eventId }: { eventId: string }) {
  const { client } = useDashboard();
  const event = useResource(() => client.events.get(eventId), eventId);
  return (
    <section class="card" aria-labelledby="payload-title">
      <h2 id="payload-title">Payload</h2>
      {event.error && <ErrorBox error={event.error} retry={event.reload} />}
      {!event.data && !event.error && <Loading what="payload" />}
      {event.data && <pre class="payload">{JSON.stringify(event.data.data, null, 2)}</pre>}
    </section>
  );
}

/** One delivery: its state, its payload, every attempt as a timeline, "retry now" and its workflows. */
export function DeliveryPage({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) {
  const { client, session, config } = useDashboard();
  const [trigger, setTrigger] = useState(0);
  const delivery = useResource(() => client.webhooks.delivery(webhookId, deliveryId), `${webhookId}/${deliveryId}`, REFRESH_MS, trigger);
  const retry = useAction(async () => {
    const result = await client.webhooks.retry(webhookId, deliveryId);
    setTrigger((t) => t + 1);
    return result;
  });
  const d = delivery.data;
  const back = <Link href={`/webhooks/${webhookId}`}>← Webhook</Link>;
  if (delivery.error && !d) return <>{back}<ErrorBox error={delivery.error} retry={delivery.reload} /></>;
  if (!d) return <Loading what="delivery" />;
  return (
    <article aria-labelledby="delivery-title" data-delivery-id={d.id}>
      {back}
      <div class="heading">
        <h1 id="delivery-title" class="mono">{d.id}</h1>
        <StatusBadge status={d.status} />
      </div>
      <dl class="facts">
        <dt>Event</dt><dd>{d.event ?? '—'} <span class="mono">{d.event_id}</span></dd>
        <dt>Attempts</dt><dd data-attempt-count={d.attempt_count}>{d.attempt_count}</dd>
        <dt>Created</dt><dd>{dateTime(d.created_at)}</dd>
        <dt>Completed</dt><dd>{dateTime(d.completed_at)}</dd>
        <DeliveryOrderFacts webhookId={webhookId} delivery={d} />
        {d.next_attempt_at && <><dt>Next attempt</dt><dd>{dateTime(d.next_attempt_at)}</dd></>}
        {d.error_message && <><dt>Last error</dt><dd class="bad">{d.error_message}</dd></>}
      </dl>
      <div class="row wrap">
        {!session.read_only && <button type="button" class="primary" onClick={() => retry.run()} disabled={retry.busy}>{retry.busy ? 'Retrying…' : 'Retry now'}</button>}
        {session.kind === 'api_key' && config.temporal_ui_url && (
          <>
            <a href={temporalWorkflowUrl(config, `delivery:${d.id}`)} target="_blank" rel="noreferrer noopener">Delivery workflow in Temporal</a>
            <a href={temporalWorkflowUrl(config, `endpoint:${webhookId}`)} target="_blank" rel="noreferrer noopener">Endpoint workflow in Temporal</a>
          </>
        )}
      </div>
      {retry.result && <p role="status">Retry requested: the next attempt appears below.</p>}
      {retry.error && <ErrorBox error={retry.error} />}
      <section class="card" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        {d.attempts.length === 0 ? <p class="empty">No attempt yet.</p> : <ol class="timeline">{d.attempts.map((a) => <AttemptItem key={a.attempt_number} attempt={a} />)}</ol>}
      </section>
      <Payload eventId={d.event_id} />
    </article>
  );
}
