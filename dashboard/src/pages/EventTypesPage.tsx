import { ErrorBox, Loading } from '../components/ui';
import { useDashboard, useResource } from '../hooks';

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** The catalogue (GET /event-types): what each type means, its priority, the schema of its data and an example. */
export function EventTypesPage() {
  const { client } = useDashboard();
  const catalogue = useResource(() => client.eventTypes.list(), 'event-types');
  if (catalogue.error) return <ErrorBox error={catalogue.error} retry={catalogue.reload} />;
  if (!catalogue.data) return <Loading what="event types" />;
  return (
    <section aria-labelledby="types-title">
      <h1 id="types-title">Event types</h1>
      <p class="hint">What a receiver gets in <code>data</code> for each type. Publishes are checked against these schemas (JSON Schema, draft 2020-12); fields not listed are allowed.</p>
      {catalogue.data.data.map((type) => (
        <article class="card event-type" key={type.name} data-event-type={type.name} aria-labelledby={`type-${type.name}`}>
          <h2 id={`type-${type.name}`}><code>{type.name}</code></h2>
          <p>
            {type.description}
            {type.priority === 'high' && <span class="badge" data-priority="high"> high priority</span>}
            {type.operational && <span class="badge"> sent by the service</span>}
          </p>
          <details>
            <summary>Schema of data</summary>
            <pre class="mono" data-schema>{pretty(type.schema)}</pre>
          </details>
          <details open>
            <summary>Example</summary>
            <pre class="mono" data-example>{pretty(type.example)}</pre>
          </details>
        </article>
      ))}
    </section>
  );
}
