import { useState } from 'preact/hooks';
import type { ListDeliveriesQuery } from '../../../src/client';
import { useDashboard, useResource } from '../hooks';
import { dateTime, STATUS_LABELS } from '../lib/format';
import { PAGE_SIZE } from '../lib/paging';
import { Link } from '../router';
import { DeliveryOrderNotes } from './DeliveryOrder';
import { Pager } from './Pager';
import { Empty, ErrorBox, Loading, StatusBadge } from './ui';

/** A webhook's deliveries, newest first, filtered by status, a page at a time. */
export function DeliveriesTable({ webhookId, refreshKey, refreshMs }: { webhookId: string; refreshKey: number; refreshMs: number }) {
  const { client } = useDashboard();
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const page = useResource(
    () => client.webhooks.deliveries(webhookId, { status: (status || undefined) as ListDeliveriesQuery['status'], limit: PAGE_SIZE, offset }),
    `${webhookId}/${status}/${offset}`, refreshMs, refreshKey,
  );
  const total = page.data?.total ?? 0;
  return (
    <section class="card" aria-labelledby="deliveries-title">
      <div class="heading">
        <h2 id="deliveries-title">Deliveries</h2>
        <label class="inline">Status{' '}
          <select value={status} onChange={(e) => { setStatus(e.currentTarget.value); setOffset(0); }}>
            <option value="">all</option>
            {Object.entries(STATUS_LABELS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
      </div>
      {page.error && <ErrorBox error={page.error} retry={page.reload} />}
      {!page.data && !page.error && <Loading what="deliveries" />}
      {page.data && page.data.data.length === 0 && <Empty><p>{status ? `No ${STATUS_LABELS[status]} deliveries.` : 'No deliveries yet: publish an event or send a test.'}</p></Empty>}
      {page.data && page.data.data.length > 0 && (
        <>
          <table class="responsive deliveries">
            <thead><tr><th scope="col">Delivery</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last code</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {page.data.data.map((d) => (
                <tr key={d.id} data-delivery-id={d.id}>
                  <td data-label="Delivery">
                    <div><Link href={`/webhooks/${webhookId}/deliveries/${d.id}`} class="mono">{d.id}</Link><DeliveryOrderNotes webhookId={webhookId} delivery={d} /></div>
                  </td>
                  <td data-label="Event">{d.event ?? '—'}</td>
                  <td data-label="Status"><StatusBadge status={d.status} /></td>
                  <td data-label="Attempts" class="num">{d.attempt_count}</td>
                  <td data-label="Last code" class="num">{d.last_status_code ?? '—'}</td>
                  <td data-label="Created">{dateTime(d.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="Deliveries pages" offset={offset} total={total} go={setOffset} />
        </>
      )}
    </section>
  );
}
