/** Rows a page of the dashboard's lists (webhooks, a webhook's deliveries). */
export const PAGE_SIZE = 20;

export interface PageView {
  /** The first and last item shown, counted from 1 ("21–25 of 25"). */
  from: number;
  to: number;
  previous: number | null;
  next: number | null;
}

/** What a pager shows for the page at `offset` of `total` items: the range and the offsets of its neighbours (null: none). */
export function pageView(offset: number, total: number, size = PAGE_SIZE): PageView {
  return {
    from: Math.min(offset + 1, total),
    to: Math.min(offset + size, total),
    previous: offset > 0 ? Math.max(0, offset - size) : null,
    next: offset + size < total ? offset + size : null,
  };
}

/** Where the last page with items starts: a page left empty (items deleted meanwhile) moves there. */
export function lastPageOffset(total: number, size = PAGE_SIZE): number {
  return total <= 0 ? 0 : Math.floor((total - 1) / size) * size;
}
