import { useState } from 'react';

/** A new key's secret, shown once: the gateway stores only its hash, so it cannot be shown again. */
export function SecretOnce(props: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('Copied to the clipboard');
    } catch {
      setCopied('Copy failed: select the key and copy it by hand');
    }
  };
  return (
    <section className="card secret" aria-labelledby="secret-title">
      <h2 id="secret-title">Copy this key now</h2>
      <p>It will not be shown again. Only a hash is stored; if it is lost, rotate the key.</p>
      <div className="secret-row">
        <code data-testid="new-key-secret">{props.secret}</code>
        <button type="button" onClick={copy}>
          Copy key
        </button>
      </div>
      <p role="status" className="muted">
        {copied ?? ''}
      </p>
      <button type="button" className="secondary" onClick={props.onDone}>
        I have stored it
      </button>
    </section>
  );
}
