import { pageView, PAGE_SIZE } from '../lib/paging';

/** Previous / "21–40 of 95" / Next under a list; `go` receives the offset to show. */
export function Pager({ label, offset, total, size = PAGE_SIZE, go }: { label: string; offset: number; total: number; size?: number; go: (offset: number) => void }) {
  const view = pageView(offset, total, size);
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={() => view.previous !== null && go(view.previous)} disabled={view.previous === null}>Previous</button>
      <span role="status">{view.from}–{view.to} of {total}</span>
      <button type="button" onClick={() => view.next !== null && go(view.next)} disabled={view.next === null}>Next</button>
    </nav>
  );
}
