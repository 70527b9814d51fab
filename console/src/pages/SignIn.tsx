// Sign-in (/app/sign-in): an API key becomes a server-side session (HttpOnly cookie).
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { TextField } from '../components/Field';
import { usePageTitle } from '../components/usePageTitle';
import { useSession } from '../session';

export default function SignInPage({ notice, onSignedIn }: { notice?: string; onSignedIn: () => void }) {
  usePageTitle('Sign in');
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const apiKey = key.trim();
    if (!apiKey) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(apiKey);
      setKey('');
      onSignedIn();
    } catch (err) {
      setBusy(false);
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That API key was not accepted. Check it and try again.'
          : err instanceof Error
            ? err.message
            : 'Sign-in failed.',
      );
    }
  }

  return (
    <main class="signin" id="main">
      <form class="signin-card" onSubmit={submit} noValidate aria-labelledby="signin-title">
        <p class="brand">Clientele</p>
        <h1 id="signin-title">Sign in to the console</h1>
        {notice && !error && (
          <p class="muted" role="status">
            {notice}
          </p>
        )}
        <TextField
          label="API key"
          type="password"
          name="apiKey"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onValue={setKey}
          error={error}
          alert
          hint="A secret key (sk_…) or a read-only key (rk_…). It is kept by the server, not in this page."
          required
        />
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
