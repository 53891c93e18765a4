import { dateTime } from '../lib/format';
import { Link } from '../router';

/** A delivery's ordering key, its scheduled time and the delivery ahead of it in its FIFO line (absent where the API has none of them). */
export interface DeliveryOrder {
  id: string;
  ordering_key?: string | null;
  deliver_at?: string | null;
  waiting_for?: string | null;
}

function WaitsFor({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) {
  return <Link href={`/webhooks/${webhookId}/deliveries/${deliveryId}`} class="mono">{deliveryId}</Link>;
}

/** In a row of the deliveries table: one short line for each of them that is set. */
export function DeliveryOrderNotes({ webhookId, delivery }: { webhookId: string; delivery: DeliveryOrder }) {
  const { ordering_key: key, deliver_at: at, waiting_for: ahead } = delivery;
  if (!key && !at && !ahead) return null;
  return (
    <ul class="notes">
      {key && <li data-ordering-key={key}>key <span class="mono">{key}</span></li>}
      {at && <li data-deliver-at={at}>scheduled for {dateTime(at)}</li>}
      {ahead && <li data-waiting-for={ahead}>waits for <WaitsFor webhookId={webhookId} deliveryId={ahead} /></li>}
    </ul>
  );
}

/** On the delivery's page: the same, as entries of its facts list. */
export function DeliveryOrderFacts({ webhookId, delivery }: { webhookId: string; delivery: DeliveryOrder }) {
  const { ordering_key: key, deliver_at: at, waiting_for: ahead } = delivery;
  return (
    <>
      {key && <><dt>Ordering key</dt><dd class="mono" data-ordering-key={key}>{key}</dd></>}
      {at && <><dt>Scheduled for</dt><dd data-deliver-at={at}>{dateTime(at)}</dd></>}
      {ahead && <><dt>In line</dt><dd data-waiting-for={ahead}>waits for <WaitsFor webhookId={webhookId} deliveryId={ahead} /></dd></>}
    </>
  );
}
