import { type FormEvent, useState } from 'react';
import { api, query, type Session } from '../api.js';
import { ErrorNotice, StatCard, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';
import { downloadText, formatDollars, formatNumber, percent, toCsv } from '../format.js';
import type { UsageReport, UsageRow } from '../types.js';
import { byBackend, usageRecords, withKeyNames } from '../usage-data.js';

type Grouping = 'key' | 'model' | 'day' | 'backend' | 'key,model' | 'key,model,day';

const GROUPINGS: { value: Grouping; label: string; masterOnly: boolean }[] = [
  { value: 'key', label: 'Key', masterOnly: true },
  { value: 'model', label: 'Model', masterOnly: false },
  { value: 'backend', label: 'Backend', masterOnly: true },
  { value: 'day', label: 'Day', masterOnly: false },
  { value: 'key,model', label: 'Key and model', masterOnly: true },
  { value: 'key,model,day', label: 'Key, model and day', masterOnly: true },
];

const COLUMN_TITLES: Record<string, string> = {
  key_name: 'Key',
  key_id: 'Key id',
  model: 'Model',
  backend: 'Backend',
  day: 'Day',
};

interface Filters {
  from: string;
  to: string;
  key_id: string;
  model: string;
}

function initialFilters(): Filters {
  const params = new URLSearchParams(window.location.search);
  return {
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    key_id: params.get('key_id') ?? '',
    model: params.get('model') ?? '',
  };
}

async function loadRows(session: Session, grouping: Grouping, filters: Filters): Promise<UsageRow[]> {
  const range = { from: filters.from, to: filters.to === '' ? '' : `${filters.to}T23:59:59.999Z` };
  if (session.role === 'key') {
    const report = await api<UsageReport>(session, 'GET', `/v1/usage${query(range)}`);
    return grouping === 'day' ? report.by_day : report.by_model;
  }
  const filter = { ...range, key_id: filters.key_id, model: filters.model };
  if (grouping === 'backend') return byBackend(await usageRecords(session, filter));
  const body = await api<{ data: UsageRow[] }>(
    session,
    'GET',
    `/admin/usage${query({ ...filter, group_by: grouping })}`,
  );
  return withKeyNames(session, body.data);
}

export function UsagePage(props: { session: Session }) {
  const master = props.session.role === 'master';
  const [grouping, setGrouping] = useState<Grouping>(master ? 'key' : 'model');
  const [draft, setDraft] = useState(initialFilters);
  const [filters, setFilters] = useState(draft);
  const rows = useLoad(() => loadRows(props.session, grouping, filters), [props.session, grouping, filters]);
  const columns = grouping.split(',').flatMap((column) => (column === 'key' ? ['key_name', 'key_id'] : [column]));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const exportCsv = () => {
    const header = [...columns, 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'errors', 'cost'];
    downloadText(`llamagate-usage-by-${grouping.replace(/,/g, '-')}.csv`, toCsv(header, rows.data ?? []), 'text/csv');
  };
  const total = (rows.data ?? []).reduce(
    (sum, row) => ({ requests: sum.requests + row.requests, errors: sum.errors + row.errors }),
    { requests: 0, errors: 0 },
  );
  return (
    <section>
      <h1>Usage</h1>
      <form className="filters" onSubmit={apply} aria-label="Usage filters">
        <label>
          Group by
          <select value={grouping} onChange={(event) => setGrouping(event.target.value as Grouping)}>
            {GROUPINGS.filter((option) => master || !option.masterOnly).map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            value={draft.from}
            onChange={(event) => setDraft({ ...draft, from: event.target.value })}
          />
        </label>
        <label>
          To
          <input type="date" value={draft.to} onChange={(event) => setDraft({ ...draft, to: event.target.value })} />
        </label>
        {master ? (
          <>
            <label>
              Key id
              <input value={draft.key_id} onChange={(event) => setDraft({ ...draft, key_id: event.target.value })} />
            </label>
            <label>
              Model
              <input value={draft.model} onChange={(event) => setDraft({ ...draft, model: event.target.value })} />
            </label>
          </>
        ) : null}
        <button type="submit">Apply</button>
        <button type="button" className="secondary" onClick={exportCsv} disabled={(rows.data ?? []).length === 0}>
          Export CSV
        </button>
      </form>
      <div className="stats">
        <StatCard label="Requests" value={formatNumber(total.requests)} />
        <StatCard label="Error rate" value={percent(total.errors, total.requests)} />
      </div>
      <ErrorNotice error={rows.error} />
      <TableBox label="Usage">
        <table>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col">
                  {COLUMN_TITLES[column] ?? column}
                </th>
              ))}
              <th scope="col">Requests</th>
              <th scope="col">Input tokens</th>
              <th scope="col">Output tokens</th>
              <th scope="col">Errors</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            {(rows.data ?? []).map((row) => {
              const cells = columns.map((column) => String((row as unknown as Record<string, unknown>)[column] ?? '–'));
              return (
                <tr key={cells.join('|')}>
                  {cells.map((cell, index) => (
                    <td key={columns[index]}>{cell}</td>
                  ))}
                  <td>{formatNumber(row.requests)}</td>
                  <td>{formatNumber(row.prompt_tokens)}</td>
                  <td>{formatNumber(row.completion_tokens)}</td>
                  <td>{formatNumber(row.errors)}</td>
                  <td>{formatDollars(row.cost)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableBox>
      {rows.loading ? (
        <p className="muted">Loading…</p>
      ) : (rows.data ?? []).length === 0 ? (
        <p className="muted">No usage in this range.</p>
      ) : null}
    </section>
  );
}
