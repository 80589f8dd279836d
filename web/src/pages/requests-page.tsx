import { type FormEvent, useState } from 'react';
import { ApiError, api, query, type Session } from '../api.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Notice, StatCard, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';
import { formatBody, formatDollars, formatMs, formatNumber, formatTime } from '../format.js';
import type { RequestDetail, RequestSummary } from '../types.js';
import { usageRecords } from '../usage-data.js';

interface Filters {
  status: string;
  model: string;
  key_id: string;
  backend: string;
  error_type: string;
  min_latency_ms: string;
  from: string;
}

function initialFilters(): Filters {
  const params = new URLSearchParams(window.location.search);
  const value = (name: string) => params.get(name) ?? '';
  return {
    status: value('status'),
    model: value('model'),
    key_id: value('key_id'),
    backend: value('backend'),
    error_type: value('error_type'),
    min_latency_ms: value('min_latency_ms'),
    from: value('from'),
  };
}

interface Page {
  rows: RequestSummary[];
  next: string | null;
  /** The gateway has no request log (404): rows come from the usage ledger instead. */
  fromLedger: boolean;
}

function logPath(session: Session): string {
  return session.role === 'master' ? '/admin/requests' : '/v1/requests';
}

async function loadPage(session: Session, filters: Filters, cursor: string | null): Promise<Page> {
  try {
    const body = await api<{ data: RequestSummary[]; next_cursor: string | null }>(
      session,
      'GET',
      `${logPath(session)}${query({ ...filters, key_id: session.role === 'master' ? filters.key_id : '', limit: 50, cursor })}`,
    );
    return { rows: body.data, next: body.next_cursor, fromLedger: false };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    if (session.role !== 'master') return { rows: [], next: null, fromLedger: true };
    const records = await usageRecords(
      session,
      { key_id: filters.key_id, model: filters.model, from: filters.from },
      200,
    );
    const rows = records.map(
      (record): RequestSummary => ({
        id: record.request_id,
        time: record.time,
        key_id: record.key_id,
        route: '',
        format: '',
        model: record.model,
        backend: record.backend,
        status: record.status,
        error_type: null,
        error_code: record.error_code,
        latency_ms: record.latency_ms ?? 0,
        ttfc_ms: record.ttft_ms,
        stream: record.ttft_ms !== null,
        cache: record.cache_hit ? 'HIT' : null,
        input_tokens: record.prompt_tokens,
        output_tokens: record.completion_tokens,
        cost_usd: record.cost,
        attempts: 1,
      }),
    );
    return { rows, next: null, fromLedger: true };
  }
}

function statusClass(status: number): string {
  return status >= 500 ? 'badge-error' : status >= 400 ? 'badge-warning' : 'badge-ok';
}

export function RequestsPage(props: { session: Session }) {
  const master = props.session.role === 'master';
  const [draft, setDraft] = useState(initialFilters);
  const [filters, setFilters] = useState(draft);
  const [cursor, setCursor] = useState<string | null>(null);
  const [live, setLive] = useState(0);
  const page = useLoad(() => loadPage(props.session, filters, cursor), [props.session, filters, cursor, live]);
  const field = (name: keyof Filters, label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} value={draft[name]} onChange={(event) => setDraft({ ...draft, [name]: event.target.value })} />
    </label>
  );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setCursor(null);
    setFilters(draft);
    // The address carries the filters, so a reload, a bookmark or a shared link shows the same requests.
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${query({ ...draft })}`);
  };
  return (
    <section>
      <div className="page-head">
        <h1>Requests</h1>
        <button type="button" className="secondary" onClick={() => setLive(live + 1)}>
          Refresh
        </button>
      </div>
      <form className="filters" onSubmit={apply} aria-label="Request filters">
        <label>
          Status
          <select value={draft.status} onChange={(event) => setDraft({ ...draft, status: event.target.value })}>
            <option value="">any</option>
            <option value="2xx">2xx</option>
            <option value="4xx">4xx</option>
            <option value="5xx">5xx</option>
          </select>
        </label>
        {field('model', 'Model')}
        {master ? field('key_id', 'Key id') : null}
        {field('backend', 'Backend')}
        {field('error_type', 'Error type')}
        {field('min_latency_ms', 'Min latency (ms)', 'number')}
        {field('from', 'Since', 'date')}
        <button type="submit">Apply</button>
      </form>
      <ErrorNotice error={page.error} />
      {page.data?.fromLedger ? (
        <Notice tone="warning">
          This gateway has no request log API yet (<code>{logPath(props.session)}</code> answered 404).
          {master ? ' Showing the usage ledger instead: no attempt waterfall or bodies.' : ''}
        </Notice>
      ) : null}
      <TableBox label="Requests">
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Status</th>
              <th scope="col">Model</th>
              <th scope="col">Backend</th>
              {master ? <th scope="col">Key</th> : null}
              <th scope="col">Latency</th>
              <th scope="col">Tokens in/out</th>
              <th scope="col">Cost</th>
              <th scope="col">Attempts</th>
            </tr>
          </thead>
          <tbody>
            {(page.data?.rows ?? []).map((row) => (
              <tr key={row.id}>
                <td>
                  {page.data?.fromLedger ? (
                    formatTime(row.time)
                  ) : (
                    <Link to={`requests/${encodeURIComponent(row.id)}`}>{formatTime(row.time)}</Link>
                  )}
                </td>
                <td>
                  <span className={`badge ${statusClass(row.status)}`}>{row.status}</span>
                  {row.error_code === null ? null : <span className="muted"> {row.error_code}</span>}
                </td>
                <td>{row.model ?? '–'}</td>
                <td>{row.backend ?? '–'}</td>
                {master ? <td>{row.key_id ?? '–'}</td> : null}
                <td>{formatMs(row.latency_ms)}</td>
                <td>
                  {formatNumber(row.input_tokens)} / {formatNumber(row.output_tokens)}
                </td>
                <td>{formatDollars(row.cost_usd)}</td>
                <td>{row.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      {page.loading ? (
        <p className="muted">Loading…</p>
      ) : (page.data?.rows ?? []).length === 0 ? (
        <p className="muted">No requests match.</p>
      ) : null}
      <div className="button-row">
        {cursor === null ? null : (
          <button type="button" className="secondary" onClick={() => setCursor(null)}>
            Newest
          </button>
        )}
        {page.data?.next ? (
          <button type="button" className="secondary" onClick={() => setCursor(page.data?.next ?? null)}>
            Older
          </button>
        ) : null}
      </div>
    </section>
  );
}

function Waterfall(props: { detail: RequestDetail }) {
  const attempts = props.detail.attempts_detail;
  const total = Math.max(
    props.detail.latency_ms,
    attempts.reduce((sum, attempt) => sum + attempt.latency_ms, 0),
    1,
  );
  let offset = 0;
  return (
    <ol className="waterfall" aria-label="Attempts">
      {attempts.map((attempt, index) => {
        const start = offset;
        offset += attempt.latency_ms;
        const ok = attempt.status !== null && attempt.status < 400;
        return (
          <li key={index} className="waterfall-row">
            <div className="waterfall-label">
              <strong>
                {index + 1}. {attempt.backend}
              </strong>{' '}
              <span className="muted">{attempt.model}</span>
            </div>
            <div className="waterfall-track">
              <div
                className={`waterfall-bar ${ok ? 'bar-ok' : 'bar-failed'}`}
                ref={(element) => {
                  // Geometry set through the CSSOM: the CSP allows no inline style attributes.
                  if (element === null) return;
                  element.style.marginLeft = `${(start / total) * 100}%`;
                  element.style.width = `${Math.max(1, (attempt.latency_ms / total) * 100)}%`;
                }}
              />
            </div>
            <div className="waterfall-facts">
              {attempt.status ?? 'no answer'} · {formatMs(attempt.latency_ms)}
              {attempt.error_code === null ? '' : ` · ${attempt.error_code}`}
              {attempt.error_message === null ? null : <div className="muted">{attempt.error_message}</div>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function Body(props: { title: string; value: unknown }) {
  if (props.value === null || props.value === undefined) return null;
  return (
    <details className="card">
      <summary>{props.title}</summary>
      <pre>{formatBody(props.value)}</pre>
    </details>
  );
}

export function RequestDetailPage(props: { session: Session; id: string }) {
  const detail = useLoad(
    () => api<RequestDetail>(props.session, 'GET', `${logPath(props.session)}/${encodeURIComponent(props.id)}`),
    [props.session, props.id],
  );
  const view = detail.data;
  return (
    <section>
      <p>
        <Link to="requests">← All requests</Link>
      </p>
      <h1>
        Request <code>{props.id}</code>
      </h1>
      <ErrorNotice error={detail.error} />
      {view === undefined ? null : (
        <>
          <div className="stats">
            <StatCard
              label="Status"
              value={String(view.status)}
              hint={view.error_type ?? view.error_code ?? undefined}
            />
            <StatCard
              label="Latency"
              value={formatMs(view.latency_ms)}
              hint={view.ttfc_ms === null ? undefined : `first chunk ${formatMs(view.ttfc_ms)}`}
            />
            <StatCard label="Cost" value={formatDollars(view.cost_usd)} />
            <StatCard
              label="Tokens in / out"
              value={`${formatNumber(view.input_tokens)} / ${formatNumber(view.output_tokens)}`}
            />
          </div>
          <p className="muted">
            {formatTime(view.time)} · {view.route} · {view.format} · model {view.model ?? '–'} · backend{' '}
            {view.backend ?? '–'}
            {view.stream ? ' · streamed' : ''}
            {view.cache === null ? '' : ` · cache ${view.cache}`}
            {view.key_id === null ? '' : ` · key ${view.key_id}`}
          </p>
          <h2>Attempts</h2>
          {view.attempts_detail.length === 0 ? (
            <p className="muted">No upstream attempt (answered by the gateway).</p>
          ) : (
            <Waterfall detail={view} />
          )}
          <Body title="Usage" value={view.usage} />
          <Body title="Request body" value={view.request_body} />
          <Body title="Response body" value={view.response_body} />
          {view.request_body === null && view.response_body === null ? (
            <p className="muted">Bodies were not captured (LOG_BODIES=off).</p>
          ) : null}
        </>
      )}
    </section>
  );
}
