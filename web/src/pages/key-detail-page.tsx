import { type FormEvent, useEffect, useState } from 'react';
import { api, type Session } from '../api.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Notice, StatCard, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';
import { formatDollars, formatTime } from '../format.js';
import type { CreatedKey, CreditEntry, KeyView } from '../types.js';
import { draftOf, EMPTY_DRAFT, KeySettingsFields, settingsBody } from './key-form.js';
import { SecretOnce } from './secret-once.js';

function CreditsForm(props: { session: Session; id: string; onChanged: () => void }) {
  const [mode, setMode] = useState<'add' | 'set'>('add');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      const entry = await api<CreditEntry>(
        props.session,
        mode === 'add' ? 'POST' : 'PUT',
        `/admin/keys/${encodeURIComponent(props.id)}/credits`,
        { amount: amount.trim(), reason: reason.trim() },
      );
      setDone(`Balance is now ${formatDollars(entry.balance_after)}`);
      setAmount('');
      setReason('');
      props.onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="credits-title">
      <h2 id="credits-title">Credits</h2>
      <div className="form-grid">
        <label>
          Change
          <select value={mode} onChange={(event) => setMode(event.target.value as 'add' | 'set')}>
            <option value="add">Add (negative deducts)</option>
            <option value="set">Set the balance to</option>
          </select>
        </label>
        <label>
          Amount (USD)
          <input
            required
            inputMode="decimal"
            pattern="-?[0-9]+(\.[0-9]+)?"
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
          />
        </label>
        <label className="wide">
          Reason
          <input required maxLength={500} value={reason} onChange={(event) => setReason(event.target.value)} />
        </label>
      </div>
      <ErrorNotice error={error} />
      {done === undefined ? null : <Notice tone="success">{done}</Notice>}
      <button type="submit">{mode === 'add' ? 'Add credits' : 'Set balance'}</button>
    </form>
  );
}

export function KeyDetailPage(props: { session: Session; id: string }) {
  const path = `/admin/keys/${encodeURIComponent(props.id)}`;
  const key = useLoad(() => api<KeyView>(props.session, 'GET', path), [props.session, path]);
  const ledger = useLoad(
    () => api<{ data: CreditEntry[] }>(props.session, 'GET', `${path}/credits?limit=100`).then((body) => body.data),
    [props.session, path],
  );
  const [draft, setDraft] = useState(EMPTY_DRAFT);
  const [saved, setSaved] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const [secret, setSecret] = useState<string>();
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  useEffect(() => {
    if (key.data !== undefined) setDraft(draftOf(key.data));
  }, [key.data]);

  const run = async (action: () => Promise<void>) => {
    setActionError(undefined);
    setSaved(undefined);
    try {
      await action();
    } catch (failure) {
      setActionError(failure);
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api<KeyView>(props.session, 'PATCH', path, settingsBody(draft));
      setSaved('Settings saved');
      key.reload();
    });
  };
  const rotate = () =>
    run(async () => {
      const rotated = await api<CreatedKey>(props.session, 'POST', `${path}/rotate`);
      setSecret(rotated.key);
      key.reload();
    });
  const revoke = () =>
    run(async () => {
      await api<KeyView>(props.session, 'POST', `${path}/revoke`);
      setConfirmRevoke(false);
      setSaved('Key revoked: requests with it are refused from now on');
      key.reload();
    });

  const view = key.data;
  return (
    <section>
      <p>
        <Link to="keys">← All keys</Link>
      </p>
      <ErrorNotice error={key.error} />
      {view === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="page-head">
            <h1>
              {view.name} <code className="muted">{view.prefix}</code>
            </h1>
            {view.revoked ? <span className="badge badge-revoked">revoked</span> : null}
          </div>
          <div className="stats">
            <StatCard label="Balance" value={view.unlimited_credits ? 'unlimited' : formatDollars(view.balance)} />
            <StatCard label="Reserved" value={formatDollars(view.reserved)} />
            <StatCard label="Total spent" value={formatDollars(view.total_spent)} />
            <StatCard
              label="Budget left"
              value={view.budget === null ? 'no budget' : formatDollars(view.budget.remaining)}
              hint={
                view.budget === null ? undefined : `of ${formatDollars(view.budget.amount)} per ${view.budget.period}`
              }
            />
          </div>
          <p className="muted">
            Id <code>{view.id}</code> · created {formatTime(view.created_at)} · updated {formatTime(view.updated_at)}
            {view.revoked_at === null ? '' : ` · revoked ${formatTime(view.revoked_at)}`}
          </p>
          {secret === undefined ? null : <SecretOnce secret={secret} onDone={() => setSecret(undefined)} />}
          <ErrorNotice error={actionError} />
          {saved === undefined ? null : <Notice tone="success">{saved}</Notice>}
          {view.revoked ? null : (
            <>
              <form className="card" onSubmit={save} aria-labelledby="settings-title">
                <h2 id="settings-title">Settings</h2>
                <KeySettingsFields draft={draft} onChange={setDraft} />
                <button type="submit">Save settings</button>
              </form>
              <section className="card actions" aria-labelledby="actions-title">
                <h2 id="actions-title">Rotate or revoke</h2>
                <p className="muted">
                  Rotating issues a new secret for the same key and balance; the old one stops working.
                </p>
                <div className="button-row">
                  <button type="button" className="secondary" onClick={rotate}>
                    Rotate key
                  </button>
                  {confirmRevoke ? (
                    <>
                      <button type="button" className="danger" onClick={revoke}>
                        Confirm revoke
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirmRevoke(false)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <button type="button" className="danger" onClick={() => setConfirmRevoke(true)}>
                      Revoke key
                    </button>
                  )}
                </div>
              </section>
              <CreditsForm
                session={props.session}
                id={props.id}
                onChanged={() => {
                  key.reload();
                  ledger.reload();
                }}
              />
            </>
          )}
          <h2>Credit ledger</h2>
          <ErrorNotice error={ledger.error} />
          <TableBox label="Credit ledger">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Balance after</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {(ledger.data ?? []).map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatTime(entry.created_at)}</td>
                    <td>{entry.kind}</td>
                    <td>{formatDollars(entry.amount)}</td>
                    <td>{formatDollars(entry.balance_after)}</td>
                    <td>{entry.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          <p>
            <Link to={`usage?key_id=${encodeURIComponent(view.id)}`}>Usage of this key</Link> ·{' '}
            <Link to={`requests?key_id=${encodeURIComponent(view.id)}`}>Requests of this key</Link>
          </p>
        </>
      )}
    </section>
  );
}
