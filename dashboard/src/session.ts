import { takePortalToken } from './lib/fragment';

/**
 * The one thing the dashboard stores: this tab's credential (an API key typed in, or a portal
 * link's token), in sessionStorage, so it ends with the tab and is never shared with others.
 */
export interface StoredCredential {
  token: string;
  kind: 'api_key' | 'portal';
}

const KEY = 'continuum.credential';

export function loadCredential(): StoredCredential | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as StoredCredential | null;
    return stored && typeof stored.token === 'string' ? stored : null;
  } catch {
    return null;
  }
}

export function saveCredential(credential: StoredCredential): void {
  sessionStorage.setItem(KEY, JSON.stringify(credential));
}

export function clearCredential(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * A portal link's token moves from the address bar into this tab's storage, and out of the
 * URL (and so out of the history, bookmarks and screenshots of the address bar).
 */
export function adoptPortalLink(): void {
  const { token, rest } = takePortalToken(window.location.hash);
  if (!token) return;
  saveCredential({ token, kind: 'portal' });
  history.replaceState(null, '', `${window.location.pathname}${window.location.search}${rest}`);
}
