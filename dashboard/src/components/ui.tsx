import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { STATUS_LABELS } from '../lib/format';

export function Loading({ what }: { what: string }) {
  return <p class="state" role="status" aria-live="polite">Loading {what}…</p>;
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const status = error instanceof ApiError ? ` (${error.status} ${error.code})` : '';
  return (
    <div class="error" role="alert">
      <p>{error.message}{status}</p>
      {retry && <button type="button" onClick={retry}>Try again</button>}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function CircuitBadge({ state }: { state: string | undefined }) {
  if (!state) return <span class="badge muted">…</span>;
  return <span class={`badge circuit-${state}`} data-circuit={state}>circuit {state.replace('_', '-')}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`} data-status={status}>{STATUS_LABELS[status] ?? status}</span>;
}

export function ActiveBadge({ active }: { active: boolean }) {
  return <span class={`badge ${active ? 'active' : 'inactive'}`}>{active ? 'active' : 'inactive'}</span>;
}

/** Copies `text`; where the Clipboard API is refused, the text stays selectable beside it. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () => navigator.clipboard.writeText(text).then(() => setCopied('yes'), () => setCopied('failed'));
  return (
    <>
      <button type="button" onClick={copy}>{label}</button>
      <span class="hint" role="status">{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy refused: select the text' : ''}</span>
    </>
  );
}

/** A secret shown once: readonly, selectable, with a copy button and a way to hide it. */
export function RevealOnce({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  return (
    <div class="reveal" role="region" aria-label={title}>
      <p><strong>{title}</strong> Shown only now: copy it into your receiver's configuration.</p>
      <div class="row">
        <input class="secret" readOnly value={secret} aria-label={title} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={secret} />
        <button type="button" onClick={onDone}>Done, hide it</button>
      </div>
    </div>
  );
}
