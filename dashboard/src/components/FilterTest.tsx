import { useState } from 'preact/hooks';
import type { FilterTestResult } from '../../../src/client';
import { useDashboard } from '../hooks';
import { described, Field } from './fields';
import { ErrorBox } from './ui';

const show = (value: unknown) => JSON.stringify(value);

/** The answer of a filter test: it matches, or the first condition it fails and what the event has there. */
function Verdict({ result }: { result: FilterTestResult }) {
  if (result.matches) return <p class="good" data-filter-verdict="match" role="status">Matches: this event would be delivered here.</p>;
  const failed = result.failed;
  return (
    <p class="bad" data-filter-verdict="no-match" role="status">
      Does not match: this event would not be delivered here.
      {failed && <> First failing condition: <code>{failed.path}</code> <code>{show(failed.condition)}</code>{'actual' in failed ? <> (the event has <code>{show(failed.actual)}</code>)</> : ' (the event has no such field)'}.</>}
    </p>
  );
}

/** Tests a sample event against the webhook's stored filter (POST /webhooks/{id}/filter/test). */
export function FilterTest({ webhookId, events }: { webhookId: string; events: string[] }) {
  const { client } = useDashboard();
  const [event, setEvent] = useState(events[0] ?? 'memory.created');
  const [data, setData] = useState('{"memory_id": "mem_1", "importance": 0.8}');
  const [result, setResult] = useState<FilterTestResult | null>(null);
  const [problem, setProblem] = useState<Error | string | null>(null);

  const run = async (ev: Event) => {
    ev.preventDefault();
    setResult(null);
    setProblem(null);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data);
    } catch {
      setProblem('the sample data is not JSON');
      return;
    }
    try {
      setResult(await client.webhooks.testFilter(webhookId, { event: event as never, data: parsed }));
    } catch (err) {
      setProblem(err as Error);
    }
  };

  return (
    <form class="card form filter-test" aria-labelledby="filter-test-title" onSubmit={run}>
      <h2 id="filter-test-title">Test the filter</h2>
      <Field id="ft-event" label="Sample event type">
        <select id="ft-event" value={event} onChange={(ev) => setEvent(ev.currentTarget.value)}>
          {events.map((type) => <option key={type} value={type}>{type}</option>)}
        </select>
      </Field>
      <Field id="ft-data" label="Sample data (JSON)" error={typeof problem === 'string' ? problem : undefined}>
        <textarea {...described('ft-data', typeof problem === 'string' ? problem : undefined)} rows={3} class="mono" spellcheck={false} value={data} onInput={(ev) => setData(ev.currentTarget.value)} />
      </Field>
      <button type="submit">Test filter</button>
      {problem instanceof Error && <ErrorBox error={problem} />}
      {result && <Verdict result={result} />}
    </form>
  );
}
