import { type FormEvent, useMemo, useState } from 'react';
import { api, query, type Session } from '../api.js';
import { Link } from '../components/link.js';
import { ErrorNotice, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';
import { formatDollars, formatTime } from '../format.js';
import type { CreatedKey, KeyView } from '../types.js';
import { EMPTY_DRAFT, KeySettingsFields, settingsBody } from './key-form.js';
import { SecretOnce } from './secret-once.js';

function status(key: KeyView): string {
  if (key.revoked) return 'revoked';
  if (key.expires_at !== null && Date.parse(key.expires_at) < Date.now()) return 'expired';
  return key.enabled ? 'active' : 'disabled';
}

function CreateKeyForm(props: { session: Session; onCreated: (key: CreatedKey) => void }) {
  const [draft, setDraft] = useState(EMPTY_DRAFT);
  const [credits, setCredits] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = { ...settingsBody(draft), ...(credits.trim() === '' ? {} : { credits: credits.trim() }) };
      props.onCreated(await api<CreatedKey>(props.session, 'POST', '/admin/keys', body));
      setDraft(EMPTY_DRAFT);
      setCredits('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <KeySettingsFields draft={draft} onChange={setDraft} />
      <label>
        Starting credits (USD)
        <input
          inputMode="decimal"
          pattern="[0-9]+(\.[0-9]+)?"
          value={credits}
          onChange={(event) => setCredits(event.target.value)}
        />
      </label>
      <ErrorNotice error={error} />
      <button type="submit" disabled={busy}>
        Create key
      </button>
    </form>
  );
}

export function KeysPage(props: { session: Session }) {
  const [search, setSearch] = useState('');
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [created, setCreated] = useState<CreatedKey>();
  const [creating, setCreating] = useState(false);
  const keys = useLoad(
    () =>
      api<{ data: KeyView[] }>(
        props.session,
        'GET',
        `/admin/keys${query({ include_revoked: includeRevoked, limit: 1000 })}`,
      ).then((body) => body.data),
    [props.session, includeRevoked],
  );
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (keys.data ?? []).filter(
      (key) =>
        needle === '' ||
        [key.id, key.name, key.prefix, key.owner ?? ''].some((field) => field.toLowerCase().includes(needle)),
    );
  }, [keys.data, search]);
  return (
    <section>
      <div className="page-head">
        <h1>Keys</h1>
        <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          {creating ? 'Close' : 'New key'}
        </button>
      </div>
      {created === undefined ? null : <SecretOnce secret={created.key} onDone={() => setCreated(undefined)} />}
      {creating ? (
        <CreateKeyForm
          session={props.session}
          onCreated={(key) => {
            setCreated(key);
            setCreating(false);
            keys.reload();
          }}
        />
      ) : null}
      <div className="filters">
        <label>
          Search keys
          <input
            type="search"
            value={search}
            placeholder="name, id, prefix or owner"
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={includeRevoked}
            onChange={(event) => setIncludeRevoked(event.target.checked)}
          />
          Show revoked keys
        </label>
      </div>
      <ErrorNotice error={keys.error} />
      <TableBox label="Keys">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Owner</th>
              <th scope="col">Status</th>
              <th scope="col">Balance</th>
              <th scope="col">Spent</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((key) => (
              <tr key={key.id}>
                <td>
                  <Link to={`keys/${encodeURIComponent(key.id)}`}>{key.name}</Link>
                </td>
                <td>
                  <code>{key.prefix}</code>
                </td>
                <td>{key.owner ?? '–'}</td>
                <td>
                  <span className={`badge badge-${status(key)}`}>{status(key)}</span>
                </td>
                <td>{key.unlimited_credits ? 'unlimited' : formatDollars(key.balance)}</td>
                <td>{formatDollars(key.total_spent)}</td>
                <td>{formatTime(key.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      {keys.loading ? <p className="muted">Loading…</p> : shown.length === 0 ? <p className="muted">No keys.</p> : null}
    </section>
  );
}
