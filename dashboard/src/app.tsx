import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createDashboardClient } from './api/client';
import type { Session } from './api/client';
import type { PageConfig } from './config';
import { Dashboard, type DashboardContext } from './hooks';
import { Routes } from './routes';
import { clearCredential, loadCredential, saveCredential, type StoredCredential } from './session';
import { SignIn } from './pages/SignIn';
import { ErrorBox, Loading } from './components/ui';
import { Link } from './router';

const REFUSED: Record<StoredCredential['kind'], string> = {
  portal: 'This portal link has expired or was revoked: ask for a new one.',
  api_key: 'The API key was not accepted (unknown or revoked): sign in again.',
};

/** Signs the tab in (API key or portal link), then shows the pages for what the session may see. */
export function App({ config }: { config: PageConfig }) {
  const [credential, setCredential] = useState<StoredCredential | null>(loadCredential);
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState<{ message: string; error?: Error } | null>(null);

  const signOut = (message?: string) => {
    clearCredential();
    setCredential(null);
    setSession(null);
    setProblem(message ? { message } : null);
  };

  const client = useMemo(() => {
    if (!credential) return null;
    // Any answer 401 means the credential is gone (expired, revoked): back to sign-in.
    const guarded: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) setTimeout(() => signOut(REFUSED[credential.kind]), 0);
      return response;
    };
    return createDashboardClient({ baseUrl: window.location.origin, apiKey: credential.token, fetch: guarded });
  }, [credential]);

  useEffect(() => {
    if (!client) return;
    let live = true;
    client.session.get().then(
      (loaded) => live && setSession(loaded),
      (error: Error) => live && !(error instanceof ApiError && error.status === 401) && setProblem({ message: 'Could not load the session.', error }),
    );
    return () => {
      live = false;
    };
  }, [client]);

  if (!credential || !client) {
    return <SignIn message={problem?.message} onSignIn={(token) => {
      const next = { token, kind: 'api_key' as const };
      saveCredential(next);
      setProblem(null);
      setCredential(next);
    }} />;
  }
  if (problem?.error) return <main class="page"><ErrorBox error={problem.error} retry={() => setCredential({ ...credential })} /></main>;
  if (!session) return <main class="page"><Loading what="session" /></main>;

  const context: DashboardContext = { client, session, config, signOut };
  return (
    <Dashboard.Provider value={context}>
      <header class="top">
        <Link href="/webhooks" class="brand">Continuum Webhooks</Link>
        <Link href="/event-types">Event types</Link>
        <a href="/docs">API reference</a>
        <span class="who" data-session-kind={session.kind}>
          {session.kind === 'portal' ? 'Portal' : 'API key'}{session.tenant_id ? ` · ${session.tenant_id}` : ''}
          {session.read_only ? ' · read-only' : ''}
        </span>
        <button type="button" class="link" onClick={() => signOut()}>Sign out</button>
      </header>
      <main class="page"><Routes /></main>
    </Dashboard.Provider>
  );
}
