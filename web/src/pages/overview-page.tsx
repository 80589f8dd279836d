import { useMemo, useState } from 'react';
import type { Session } from '../api.js';
import { TimeChart } from '../components/chart.js';
import { ErrorNotice, StatCard, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';
import { formatDollars, formatMs, formatNumber, percent, quantile } from '../format.js';
import { bucketCalls, loadOverview, RANGES, type RangeName } from '../overview-data.js';
import type { UsageRow } from '../types.js';

function TopTable(props: { title: string; rows: UsageRow[]; name: (row: UsageRow) => string }) {
  return (
    <div className="card">
      <h2>{props.title}</h2>
      <TableBox label={props.title}>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Requests</th>
              <th scope="col">Tokens</th>
              <th scope="col">Spend</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr key={props.name(row)}>
                <td>{props.name(row)}</td>
                <td>{formatNumber(row.requests)}</td>
                <td>{formatNumber(row.prompt_tokens + row.completion_tokens)}</td>
                <td>{formatDollars(row.cost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      {props.rows.length === 0 ? <p className="muted">Nothing in this range.</p> : null}
    </div>
  );
}

export function OverviewPage(props: { session: Session }) {
  const [range, setRange] = useState<RangeName>('24h');
  const [now, setNow] = useState(() => Date.now());
  const overview = useLoad(() => loadOverview(props.session, range, now), [props.session, range, now]);
  const data = overview.data;
  const buckets = useMemo(
    () => (data === undefined ? undefined : bucketCalls(data.calls, range, now)),
    [data, range, now],
  );
  const daily = data?.dailyOnly;
  const latencies = (data?.calls ?? [])
    .map((call) => call.latencyMs)
    .filter((value): value is number => value !== null);
  const series = useMemo(() => {
    if (daily !== undefined) {
      return {
        labels: daily.map((row) => row.day),
        requests: [{ label: 'Requests', values: daily.map((row) => row.requests) }],
        errors: [
          {
            label: 'Error rate %',
            values: daily.map((row) => (row.requests === 0 ? null : (row.errors / row.requests) * 100)),
          },
        ],
        latency: undefined,
        tokens: [
          { label: 'Input', values: daily.map((row) => row.prompt_tokens) },
          { label: 'Output', values: daily.map((row) => row.completion_tokens) },
        ],
        spend: [{ label: 'Spend (USD)', values: daily.map((row) => Number(row.cost)) }],
      };
    }
    if (buckets === undefined) return undefined;
    return {
      labels: buckets.labels,
      requests: [{ label: 'Requests', values: buckets.requests }],
      errors: [{ label: 'Error rate %', values: buckets.errorRate }],
      latency: [
        { label: 'p50', values: buckets.p50 },
        { label: 'p99', values: buckets.p99 },
      ],
      tokens: [
        { label: 'Input', values: buckets.inputTokens },
        { label: 'Output', values: buckets.outputTokens },
      ],
      spend: [{ label: 'Spend (USD)', values: buckets.spend }],
    };
  }, [buckets, daily]);
  return (
    <section>
      <div className="page-head">
        <h1>Overview</h1>
        <div className="button-row">
          <label>
            Range
            <select value={range} onChange={(event) => setRange(event.target.value as RangeName)}>
              {Object.entries(RANGES).map(([name, option]) => (
                <option key={name} value={name}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="secondary" onClick={() => setNow(Date.now())}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorNotice error={overview.error} />
      {data === undefined ? (
        overview.loading ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <>
          <div className="stats">
            <StatCard label="Requests" value={formatNumber(data.totals.requests)} />
            <StatCard label="Error rate" value={percent(data.totals.errors, data.totals.requests)} />
            <StatCard
              label="Latency p50 / p99"
              value={`${formatMs(quantile(latencies, 0.5))} / ${formatMs(quantile(latencies, 0.99))}`}
            />
            <StatCard
              label="Gateway overhead p50 / p99"
              value={
                data.overhead === undefined
                  ? '–'
                  : `≤ ${formatMs(data.overhead.p50)} / ≤ ${formatMs(data.overhead.p99)}`
              }
              hint={
                data.overhead === undefined
                  ? 'from /metrics when it is available'
                  : 'since the gateway started, from /metrics'
              }
            />
            <StatCard
              label="Tokens in / out"
              value={`${formatNumber(data.totals.prompt_tokens)} / ${formatNumber(data.totals.completion_tokens)}`}
            />
            <StatCard label="Spend" value={formatDollars(data.totals.cost)} />
            {data.credits === undefined ? null : (
              <StatCard
                label="Credits available"
                value={data.credits.unlimited ? 'unlimited' : formatDollars(data.credits.available)}
                hint={`balance ${formatDollars(data.credits.balance)}, reserved ${formatDollars(data.credits.reserved)}`}
              />
            )}
          </div>
          {series === undefined ? null : (
            <div className="charts">
              <TimeChart title="Requests" labels={series.labels} series={series.requests} kind="bar" />
              <TimeChart title="Error rate (%)" labels={series.labels} series={series.errors} />
              {series.latency === undefined ? null : (
                <TimeChart title="Latency (ms)" labels={series.labels} series={series.latency} />
              )}
              <TimeChart title="Tokens" labels={series.labels} series={series.tokens} kind="bar" />
              <TimeChart title="Spend (USD)" labels={series.labels} series={series.spend} />
            </div>
          )}
          <div className="two-columns">
            <TopTable title="Top models" rows={data.topModels} name={(row) => row.model ?? '–'} />
            {data.topKeys === undefined ? null : (
              <TopTable
                title="Top keys"
                rows={data.topKeys}
                name={(row) => row.key_name || row.key_id || '(master / unbilled)'}
              />
            )}
          </div>
        </>
      )}
    </section>
  );
}
