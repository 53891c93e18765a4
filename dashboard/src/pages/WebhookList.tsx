import { useEffect, useState } from 'preact/hooks';
import type { Webhook } from '../api/client';
import { Pager } from '../components/Pager';
import { ActiveBadge, CircuitBadge, Empty, ErrorBox, Loading } from '../components/ui';
import { useDashboard, useResource } from '../hooks';
import { percent } from '../lib/format';
import { lastPageOffset, PAGE_SIZE } from '../lib/paging';
import { Link } from '../router';

const REFRESH_MS = 5000;

/** One webhook's row: its circuit (live, from GET) and its last 24 h (stats), loaded per row. */
function WebhookRow({ webhook }: { webhook: Webhook }) {
  const { client } = useDashboard();
  const detail = useResource(() => Promise.all([client.webhooks.get(webhook.id), client.webhooks.stats(webhook.id)]), webhook.id, REFRESH_MS);
  const [live, stats] = detail.data ?? [null, null];
  return (
    <tr data-webhook-id={webhook.id}>
      <td data-label="Name"><Link href={`/webhooks/${webhook.id}`}>{webhook.name}</Link></td>
      <td data-label="URL" class="url">{webhook.url}</td>
      <td data-label="Events" class="events">{webhook.events.join(', ')}</td>
      <td data-label="Active"><ActiveBadge active={webhook.active} /></td>
      <td data-label="Circuit" class="circuit">{detail.error ? <span class="badge muted" title={detail.error.message}>unknown</span> : <CircuitBadge state={live?.circuit?.state} />}</td>
      <td data-label="24 h success" class="num" data-success-rate={stats?.last_24h_success_rate ?? ''}>
        {stats ? percent(stats.last_24h_success_rate, stats.last_24h_deliveries) : '…'}
      </td>
      <td data-label="24 h volume" class="num" data-volume={stats?.last_24h_deliveries ?? ''}>{stats ? stats.last_24h_deliveries : '…'}</td>
    </tr>
  );
}

/** The webhooks the session may see, newest first, a page at a time, with their health at a glance. */
export function WebhookList() {
  const { client, session } = useDashboard();
  const [offset, setOffset] = useState(0);
  const list = useResource(() => client.webhooks.list({ limit: PAGE_SIZE, offset }), `webhooks/${offset}`, REFRESH_MS);
  const total = list.data?.total ?? 0;
  // Webhooks deleted meanwhile may leave this page empty: show the last one that has some.
  useEffect(() => {
    if (list.data && list.data.data.length === 0 && offset > 0) setOffset(lastPageOffset(total));
  }, [list.data]);
  // A link scoped to some webhooks can't add one (it would fall outside its own scope).
  const canCreate = !session.read_only && session.webhook_ids === null;
  return (
    <section aria-labelledby="webhooks-title">
      <div class="heading">
        <h1 id="webhooks-title">Webhooks</h1>
        {canCreate && <Link href="/webhooks/new" class="button primary">New webhook</Link>}
      </div>
      {list.error && <ErrorBox error={list.error} retry={list.reload} />}
      {!list.data && !list.error && <Loading what="webhooks" />}
      {list.data && list.data.total === 0 && (
        <Empty>
          <p>No webhooks yet.</p>
          {canCreate && <p><Link href="/webhooks/new">Register an endpoint</Link> to start receiving events.</p>}
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <table class="responsive webhooks">
          <caption class="visually-hidden">Webhooks, with their circuit and last 24 hours</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Active</th>
              <th scope="col">Circuit</th><th scope="col">24 h success</th><th scope="col">24 h volume</th></tr>
          </thead>
          <tbody>{list.data.data.map((webhook) => <WebhookRow key={webhook.id} webhook={webhook} />)}</tbody>
        </table>
      )}
      {list.data && list.data.data.length > 0 && <Pager label="Webhooks pages" offset={offset} total={total} go={setOffset} />}
    </section>
  );
}
