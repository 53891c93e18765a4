import { useEffect } from 'preact/hooks';
import { matchRoute, usePath, Link, type Route } from './router';
import { useDashboard } from './hooks';
import { WebhookList } from './pages/WebhookList';
import { WebhookForm } from './pages/WebhookForm';
import { WebhookPage } from './pages/WebhookPage';
import { DeliveryPage } from './pages/DeliveryPage';
import { EventTypesPage } from './pages/EventTypesPage';
import { Empty } from './components/ui';

/** The page for the current path; pages for changes a session can't make are not offered. */
const TITLES: Record<Route['page'], string> = {
  list: 'Webhooks', new: 'New webhook', eventTypes: 'Event types', webhook: 'Webhook', edit: 'Edit webhook', delivery: 'Delivery', missing: 'Not found',
};

export function Routes() {
  const route = matchRoute(usePath());
  useEffect(() => {
    document.title = `${TITLES[route.page]} · Continuum Webhooks`;
  }, [route.page]);
  const { session } = useDashboard();
  const changesRefused = (session.read_only && (route.page === 'new' || route.page === 'edit'))
    || (session.webhook_ids !== null && route.page === 'new');
  if (route.page === 'missing' || changesRefused) {
    return <Empty><p>There is no such page here.</p><Link href="/webhooks">Back to webhooks</Link></Empty>;
  }
  switch (route.page) {
    case 'list': return <WebhookList />;
    case 'new': return <WebhookForm />;
    case 'eventTypes': return <EventTypesPage />;
    case 'edit': return <WebhookForm webhookId={route.webhookId} />;
    case 'webhook': return <WebhookPage webhookId={route.webhookId} />;
    case 'delivery': return <DeliveryPage webhookId={route.webhookId} deliveryId={route.deliveryId} />;
  }
}
