import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Client } from './api/client';
import type { Session } from './api/client';
import type { PageConfig } from './config';

export interface DashboardContext {
  client: Client;
  session: Session;
  config: PageConfig;
  /** Ends the session in this tab (a 401 from any call does too). */
  signOut(message?: string): void;
}

export const Dashboard = createContext<DashboardContext | null>(null);

export function useDashboard(): DashboardContext {
  const context = useContext(Dashboard);
  if (!context) throw new Error('useDashboard outside a signed-in dashboard');
  return context;
}

export interface Resource<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads `load()` now, again when `key` changes (showing nothing meanwhile), when `trigger`
 * changes and every `refreshMs` while the tab is visible (both keeping the data on screen).
 */
export function useResource<T>(load: () => Promise<T>, key: string, refreshMs = 0, trigger = 0): Resource<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean; key: string }>({ data: null, error: null, loading: true, key });
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => setState((s) => (s.key === key ? { data, error: null, loading: false, key } : s)),
      (error: Error) => setState((s) => (s.key === key ? { ...s, error, loading: false } : s)),
    );
  }, [key]);
  useEffect(() => {
    setState({ data: null, error: null, loading: true, key });
    run();
    if (!refreshMs) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [run, refreshMs]);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else run();
  }, [trigger]);
  const current = state.key === key ? state : { data: null, error: null, loading: true };
  return { data: current.data, error: current.error, loading: current.loading, reload: run };
}

/** A button's action: runs one at a time, keeps its result or error for display. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>) {
  const [state, setState] = useState<{ busy: boolean; result: T | null; error: Error | null }>({ busy: false, result: null, error: null });
  const run = async (...args: A): Promise<T | null> => {
    setState({ busy: true, result: null, error: null });
    try {
      const result = await action(...args);
      setState({ busy: false, result, error: null });
      return result;
    } catch (error) {
      setState({ busy: false, result: null, error: error as Error });
      return null;
    }
  };
  const clear = () => setState({ busy: false, result: null, error: null });
  return { ...state, run, clear };
}
