import { useState } from 'preact/hooks';
import { DeliveriesChart, LatencyChart } from '../components/Chart';
import { CircuitCard } from '../components/CircuitCard';
import { FilterTest } from '../components/FilterTest';
import { DeliveriesTable } from '../components/DeliveriesTable';
import { WebhookActions } from '../components/WebhookActions';
import { ORDERING_LABELS } from '../components/fields';
import { ActiveBadge, CircuitBadge, ErrorBox, Loading } from '../components/ui';
import { useDashboard, useResource } from '../hooks';
import { dateTime, duration, percent } from '../lib/format';
import { Link } from '../router';

const REFRESH_MS = 5000;

function StatsCard({ webhookId, refreshKey }: { webhookId: string; refreshKey: number }) {
  const { client } = useDashboard();
  const stats = useResource(() => client.webhooks.stats(webhookId), webhookId, REFRESH_MS, refreshKey);
  const s = stats.data;
  return (
    <section class="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Statistics</h2>
      {stats.error && <ErrorBox error={stats.error} retry={stats.reload} />}
      {!s && !stats.error && <Loading what="statistics" />}
      {s && (
        <dl class="facts stats">
          <dt>Deliveries</dt><dd data-stat="total">{s.total_deliveries}</dd>
          <dt>Succeeded / failed</dt><dd>{s.successful_deliveries} / {s.failed_deliveries}</dd>
          <dt>Success rate</dt><dd>{percent(s.success_rate, s.total_deliveries)}</dd>
          <dt>Average attempt</dt><dd>{duration(s.avg_duration_ms)}</dd>
          <dt>Last 24 h</dt><dd data-stat="last_24h">{s.last_24h_deliveries} ({percent(s.last_24h_success_rate, s.last_24h_deliveries)})</dd>
        </dl>
      )}
    </section>
  );
}

function Charts({ webhookId, refreshKey }: { webhookId: string; refreshKey: number }) {
  const { client } = useDashboard();
  const series = useResource(() => client.webhooks.timeseries(webhookId, { window: '24h', bucket: '1h' }), webhookId, REFRESH_MS * 2, refreshKey);
  return (
    <section class="card charts" aria-labelledby="charts-title">
      <h2 id="charts-title">Last 24 hours</h2>
      {series.error && <ErrorBox error={series.error} retry={series.reload} />}
      {!series.data && !series.error && <Loading what="chart" />}
      {series.data && <DeliveriesChart buckets={series.data.buckets} />}
      {series.data && <LatencyChart buckets={series.data.buckets} />}
    </section>
  );
}

const scheduleLabel = (schedule: string[] | null) => (!schedule ? 'installation default' : schedule.length ? schedule.join(', ') : 'no retries');

/** Ordering and retry schedule, each shown once the API gives it (null schedule: the installation's). */
function DeliveryRules({ webhook }: { webhook: { id: string; ordering?: string; retry_schedule?: string[] | null } }) {
  const { ordering, retry_schedule: schedule } = webhook;
  return (
    <>
      {ordering !== undefined && <><dt>Ordering</dt><dd data-ordering={ordering}>{ORDERING_LABELS[ordering] ?? ordering}</dd></>}
      {schedule !== undefined && (
        <><dt>Retry schedule</dt><dd data-retry-schedule={schedule?.join(',') ?? ''}>{scheduleLabel(schedule)}</dd></>
      )}
    </>
  );
}

/** One webhook: what it is, how it is doing, its circuit, what can be done to it, its deliveries. */
export function WebhookPage({ webhookId }: { webhookId: string }) {
  const { client, session } = useDashboard();
  // Bumped by every action, so the parts that its result changes load again at once.
  const [refreshKey, setRefreshKey] = useState(0);
  const bump = () => setRefreshKey((k) => k + 1);
  const webhook = useResource(() => client.webhooks.get(webhookId), webhookId, REFRESH_MS, refreshKey);
  const w = webhook.data;
  if (webhook.error && !w) return <><Link href="/webhooks">← Webhooks</Link><ErrorBox error={webhook.error} retry={webhook.reload} /></>;
  if (!w) return <Loading what="webhook" />;
  return (
    <article aria-labelledby="webhook-title" data-webhook-id={w.id}>
      <Link href="/webhooks">← Webhooks</Link>
      <div class="heading">
        <h1 id="webhook-title">{w.name}</h1>
        <span class="row"><ActiveBadge active={w.active} /><CircuitBadge state={w.circuit?.state} /></span>
      </div>
      <dl class="facts">
        <dt>URL</dt><dd class="url">{w.url}</dd>
        <dt>Events</dt><dd>{w.events.join(', ')}</dd>
        {w.description && <><dt>Description</dt><dd>{w.description}</dd></>}
        <dt>Max concurrency</dt><dd>{w.max_concurrency}</dd>
        {w.rate_limit_per_s !== undefined && <><dt>Rate limit</dt><dd>{w.rate_limit_per_s ? `${w.rate_limit_per_s}/s` : 'none'}</dd></>}
        <DeliveryRules webhook={w} />
        {w.filter !== undefined && <><dt>Filter</dt><dd data-filter={w.filter ? JSON.stringify(w.filter) : ''}>{w.filter ? <code>{JSON.stringify(w.filter)}</code> : 'none: every event of its types'}</dd></>}
        {w.headers && Object.keys(w.headers).length > 0 && <><dt>Custom headers</dt><dd>{Object.entries(w.headers).map(([k, v]) => `${k}: ${v}`).join(', ')}</dd></>}
        {w.disabled_at && <><dt>Disabled</dt><dd class="bad">{dateTime(w.disabled_at)}{w.disabled_reason ? ` — ${w.disabled_reason}` : ''}</dd></>}
        <dt>Secret</dt><dd class="mono">{w.secret}</dd>
        <dt>Id</dt><dd class="mono">{w.id}</dd>
      </dl>
      <div class="grid">
        <StatsCard webhookId={w.id} refreshKey={refreshKey} />
        <CircuitCard webhookId={w.id} circuit={w.circuit} onChange={bump} />
      </div>
      <Charts webhookId={w.id} refreshKey={refreshKey} />
      {w.filter && !session.read_only && <FilterTest webhookId={w.id} events={w.events} />}
      {!session.read_only && <WebhookActions webhookId={w.id} name={w.name} onChange={bump} />}
      <DeliveriesTable webhookId={w.id} refreshKey={refreshKey} refreshMs={REFRESH_MS} />
    </article>
  );
}
