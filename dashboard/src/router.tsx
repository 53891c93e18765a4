import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

/** Moves to a page of the dashboard without reloading it. */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

/** The current path; re-renders on navigation (links, back and forward). */
export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** A real link (keyboard, middle-click, copy address) that navigates in place on a plain click. */
export function Link(props: { href: string; children: ComponentChildren } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { href, children, ...rest } = props;
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a {...rest} href={href} onClick={onClick}>{children}</a>;
}

export type Route =
  | { page: 'list' }
  | { page: 'new' }
  | { page: 'eventTypes' }
  | { page: 'webhook'; webhookId: string }
  | { page: 'edit'; webhookId: string }
  | { page: 'delivery'; webhookId: string; deliveryId: string }
  | { page: 'missing' };

/** The same page routes the server answers with the dashboard (src/api/pages.ts). */
export function matchRoute(path: string): Route {
  if (path === '/' || /^\/webhooks\/?$/.test(path)) return { page: 'list' };
  if (path === '/webhooks/new') return { page: 'new' };
  if (/^\/event-types\/?$/.test(path)) return { page: 'eventTypes' };
  let m = /^\/webhooks\/(wh_[0-9a-z]+)\/deliveries\/(del_[0-9a-z]+)$/.exec(path);
  if (m) return { page: 'delivery', webhookId: m[1], deliveryId: m[2] };
  m = /^\/webhooks\/(wh_[0-9a-z]+)(\/edit)?$/.exec(path);
  if (m) return m[2] ? { page: 'edit', webhookId: m[1] } : { page: 'webhook', webhookId: m[1] };
  return { page: 'missing' };
}
