import type { ComponentChildren } from 'preact';

/** A labelled field with the API's error for it beside it (aria-describedby ties them together). */
export function Field(props: { id: string; label: string; error?: string; hint?: string; children: ComponentChildren }) {
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && <p class="hint" id={`${props.id}-hint`}>{props.hint}</p>}
      {props.error && <p class="field-error" id={`${props.id}-error`} data-field-error={props.id.replace(/^f-/, '')} role="alert">{props.error}</p>}
    </div>
  );
}

/** aria attributes for an input whose field may carry an error. */
export function described(id: string, error?: string, hint?: boolean) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { id, 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': ids || undefined };
}

export function EventCheckboxes({ all, selected, onChange, error }: { all: string[]; selected: string[]; onChange: (events: string[]) => void; error?: string }) {
  const toggle = (type: string, on: boolean) => onChange(on ? [...selected, type] : selected.filter((t) => t !== type));
  return (
    <fieldset class={`field events${error ? ' invalid' : ''}`} aria-describedby={error ? 'f-events-error' : undefined}>
      <legend>Events</legend>
      <div class="checkboxes">
        {all.map((type) => (
          <label key={type} class="check">
            <input type="checkbox" name="events" value={type} checked={selected.includes(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
            {type}
          </label>
        ))}
      </div>
      {error && <p class="field-error" id="f-events-error" data-field-error="events" role="alert">{error}</p>}
    </fieldset>
  );
}

export interface HeaderRow {
  name: string;
  value: string;
}

/** Custom headers sent with every delivery: name/value rows, added and removed with buttons. */
export function HeadersEditor({ rows, onChange, error, current }: { rows: HeaderRow[]; onChange: (rows: HeaderRow[]) => void; error?: string; current?: string[] }) {
  const set = (index: number, patch: Partial<HeaderRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset class={`field headers${error ? ' invalid' : ''}`}>
      <legend>Custom headers</legend>
      {current && current.length > 0 && (
        <p class="hint">Now set: {current.join(', ')} (values hidden). Headers entered here replace them all; none entered keeps them.</p>
      )}
      {rows.map((row, index) => (
        <div class="row header-row" key={index}>
          <input aria-label={`Header ${index + 1} name`} placeholder="X-Header-Name" value={row.name} onInput={(e) => set(index, { name: e.currentTarget.value })} />
          <input aria-label={`Header ${index + 1} value`} placeholder="value" value={row.value} onInput={(e) => set(index, { value: e.currentTarget.value })} />
          <button type="button" aria-label={`Remove header ${index + 1}`} onClick={() => onChange(rows.filter((_, i) => i !== index))}>Remove</button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { name: '', value: '' }])}>Add header</button>
      {error && <p class="field-error" data-field-error="headers" role="alert">{error}</p>}
    </fieldset>
  );
}

/** How the webhook's deliveries go out: in any order (the default) or first in, first out per ordering key. */
export const ORDERING_LABELS: Record<string, string> = { none: 'None (any order)', fifo: 'FIFO per ordering key' };

export function OrderingField({ value, onChange, error }: { value: string; onChange: (ordering: string) => void; error?: string }) {
  return (
    <Field id="f-ordering" label="Ordering" error={error} hint="FIFO: one line per ordering key (one line for events without a key), each sent in publish order; a failing delivery holds its line">
      <select {...described('f-ordering', error, true)} value={value} onChange={(ev) => onChange(ev.currentTarget.value)}>
        {Object.entries(ORDERING_LABELS).map(([option, label]) => <option key={option} value={option}>{label}</option>)}
      </select>
    </Field>
  );
}

/** The waits before each retry, as comma-separated durations; empty for the installation's schedule. */
export function RetryScheduleField({ value, onChange, error }: { value: string; onChange: (text: string) => void; error?: string }) {
  return (
    <Field id="f-retry_schedule" label="Retry schedule (optional)" error={error}
      hint="Waits before retries 1, 2, …, e.g. 1s, 30s, 5m (units ms, s, m, h, d; at most 20); none: no retry. Empty: the installation's schedule. Applies to deliveries created after the change.">
      <input {...described('f-retry_schedule', error, true)} placeholder="1s, 30s, 5m" value={value} onInput={(ev) => onChange(ev.currentTarget.value)} />
    </Field>
  );
}

/** Conditions on the event body, as JSON; empty for every event of the chosen types. */
export function FilterField({ value, onChange, error }: { value: string; onChange: (text: string) => void; error?: string }) {
  return (
    <Field id="f-filter" label="Filter (optional)" error={error}
      hint='MongoDB-style conditions on "event" and "data.…", e.g. {"data.importance": {"$gte": 0.7}}; operators $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $not. Events that do not match are not delivered here. Empty: every event of its types.'>
      <textarea {...described('f-filter', error, true)} rows={4} class="mono" spellcheck={false} value={value} onInput={(ev) => onChange(ev.currentTarget.value)} />
    </Field>
  );
}
