import { useState } from 'preact/hooks';

/** Sign in with an API key; it is kept in this tab only (sessionStorage) and sent as a Bearer token. */
export function SignIn({ message, onSignIn }: { message?: string; onSignIn: (token: string) => void }) {
  const [key, setKey] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    if (key.trim()) onSignIn(key.trim());
  };
  return (
    <main class="page narrow">
      <h1>Continuum Webhooks</h1>
      {message && <p class="error" role="alert">{message}</p>}
      <form onSubmit={submit} class="card">
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" spellcheck={false} placeholder="ck_…"
          value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
        <p class="hint">Kept for this browser tab only, and sent to this server alone.</p>
        <button type="submit" class="primary">Sign in</button>
      </form>
      <p class="hint">Have a portal link? Open it as it is: it signs this tab in by itself.</p>
    </main>
  );
}
