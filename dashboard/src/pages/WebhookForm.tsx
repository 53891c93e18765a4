import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Webhook } from '../api/client';
import type { CreateWebhookInput, UpdateWebhookInput } from '../../../src/client';
import { described, EventCheckboxes, Field, FilterField, HeadersEditor, OrderingField, RetryScheduleField } from '../components/fields';
import { ErrorBox, Loading, RevealOnce } from '../components/ui';
import { useDashboard, useResource } from '../hooks';
import { errorsByField } from '../lib/fieldErrors';
import { createBody, initialValues, patchBody, type WebhookFormValues } from '../lib/webhookBody';
import { Link, navigate } from '../router';

const FIELDS = ['name', 'url', 'description', 'events', 'active', 'max_concurrency', 'rate_limit_per_s', 'headers', 'ordering', 'retry_schedule', 'filter'] as const;

/** Create (no id) or edit a webhook; the API's field errors appear beside their fields. */
export function WebhookForm({ webhookId }: { webhookId?: string }) {
  const { client } = useDashboard();
  const existing = useResource(() => (webhookId ? client.webhooks.get(webhookId) : Promise.resolve(null)), webhookId ?? 'new');
  if (webhookId && existing.error) return <ErrorBox error={existing.error} retry={existing.reload} />;
  if (webhookId && !existing.data) return <Loading what="webhook" />;
  return <FormBody original={existing.data ?? undefined} />;
}

function FormBody({ original }: { original?: Webhook }) {
  const { client, config } = useDashboard();
  const [values, setValues] = useState<WebhookFormValues>(() => initialValues(original));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Webhook | null>(null);
  useEffect(() => setValues(initialValues(original)), [original?.id]);
  const set = (patch: Partial<WebhookFormValues>) => setValues((v) => ({ ...v, ...patch }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      if (original) {
        const body = patchBody(values, original);
        if (Object.keys(body).length > 0) await client.webhooks.update(original.id, body as UpdateWebhookInput);
        navigate(`/webhooks/${original.id}`);
      } else {
        // As typed (numbers that are not numbers included): the API validates and names the field.
        setCreated(await client.webhooks.create(createBody(values) as CreateWebhookInput));
      }
    } catch (error) {
      // A refused entry of the retry schedule is named by its place in the list.
      if (error instanceof ApiError && error.status === 400 && Array.isArray(error.details)) setErrors(errorsByField(error.details, FIELDS, ['retry_schedule'], ['filter']));
      else setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <section>
        <h1>Webhook created</h1>
        <RevealOnce title="Signing secret" secret={created.secret} onDone={() => navigate(`/webhooks/${created.id}`)} />
        <p><Link href={`/webhooks/${created.id}`}>Open {created.name}</Link></p>
      </section>
    );
  }

  const title = original ? `Edit ${original.name}` : 'New webhook';
  const e = errors;
  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">{title}</h1>
      <form class="card form" onSubmit={submit} noValidate>
        {(e[''] || failure) && (
          <div class="error" role="alert">{e[''] && <p>{e['']}</p>}{failure && <ErrorBox error={failure} />}</div>
        )}
        <Field id="f-name" label="Name" error={e.name}>
          <input {...described('f-name', e.name)} value={values.name} onInput={(ev) => set({ name: ev.currentTarget.value })} required />
        </Field>
        <Field id="f-url" label="URL" error={e.url} hint="https:// endpoint that receives signed POSTs">
          <input {...described('f-url', e.url, true)} type="url" inputMode="url" value={values.url} onInput={(ev) => set({ url: ev.currentTarget.value })} required />
        </Field>
        <Field id="f-description" label="Description (optional)" error={e.description}>
          <textarea {...described('f-description', e.description)} rows={2} value={values.description} onInput={(ev) => set({ description: ev.currentTarget.value })} />
        </Field>
        <EventCheckboxes all={config.event_types} selected={values.events} onChange={(events) => set({ events })} error={e.events} />
        <FilterField value={values.filter} onChange={(filter) => set({ filter })} error={e.filter} />
        <div class="field check">
          <label><input type="checkbox" checked={values.active} onChange={(ev) => set({ active: ev.currentTarget.checked })} /> Active</label>
          {e.active && <p class="field-error" data-field-error="active" role="alert">{e.active}</p>}
        </div>
        <Field id="f-max_concurrency" label="Max concurrency (optional)" error={e.max_concurrency} hint="Requests in flight at once to this URL">
          <input {...described('f-max_concurrency', e.max_concurrency, true)} type="number" min={1} value={values.max_concurrency} onInput={(ev) => set({ max_concurrency: ev.currentTarget.value })} />
        </Field>
        <Field id="f-rate_limit_per_s" label="Rate limit per second (optional)" error={e.rate_limit_per_s} hint="1–1000 deliveries per second; empty for no limit">
          <input {...described('f-rate_limit_per_s', e.rate_limit_per_s, true)} type="number" min={1} max={1000} value={values.rate_limit_per_s} onInput={(ev) => set({ rate_limit_per_s: ev.currentTarget.value })} />
        </Field>
        <OrderingField value={values.ordering} onChange={(ordering) => set({ ordering })} error={e.ordering} />
        <RetryScheduleField value={values.retry_schedule} onChange={(retry_schedule) => set({ retry_schedule })} error={e.retry_schedule} />
        <HeadersEditor rows={values.headers} onChange={(headers) => set({ headers })} error={e.headers} current={original?.headers ? Object.keys(original.headers) : undefined} />
        {original?.headers && Object.keys(original.headers).length > 0 && (
          <label class="check"><input type="checkbox" checked={values.clear_headers} onChange={(ev) => set({ clear_headers: ev.currentTarget.checked })} /> Remove all custom headers</label>
        )}
        <div class="row actions">
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Saving…' : original ? 'Save changes' : 'Create webhook'}</button>
          <Link href={original ? `/webhooks/${original.id}` : '/webhooks'} class="button">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
