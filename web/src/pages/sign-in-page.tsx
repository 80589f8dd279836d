import { type FormEvent, useState } from 'react';
import { type Session, signIn } from '../api.js';
import { ErrorNotice } from '../components/notice.js';

export function SignInPage(props: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onSignedIn(await signIn(key.trim()));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card sign-in">
      <h1>Sign in to LlamaGate</h1>
      <p>
        Use the master key (<code>LLAMAGATE_MASTER_KEY</code>) for the whole gateway, or a virtual key (
        <code>sk-lg-…</code>) to see its own usage, credits and requests. The key stays in this browser tab.
      </p>
      <form onSubmit={submit}>
        <label>
          API key
          <input
            type="password"
            name="api-key"
            autoComplete="off"
            required
            value={key}
            onChange={(event) => setKey(event.target.value)}
          />
        </label>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorNotice error={error} />
    </section>
  );
}
