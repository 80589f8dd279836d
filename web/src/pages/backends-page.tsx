import { useEffect, useState } from 'react';
import { api, type Session } from '../api.js';
import { ErrorNotice, Notice, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';
import { formatMs, formatTime, percent } from '../format.js';
import type { GroupDescription, RouterSnapshot } from '../types.js';

function Groups(props: { title: string; groups: GroupDescription[] }) {
  if (props.groups.length === 0) return null;
  return (
    <>
      <h2>{props.title}</h2>
      <TableBox label={props.title}>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Strategy</th>
              <th scope="col">Fallback</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {props.groups.map((group) => (
              <tr key={group.name}>
                <td>{group.name}</td>
                <td>{group.strategy}</td>
                <td>{group.fallback ? 'yes' : 'no'}</td>
                <td>
                  {group.members
                    .map((member) => `${member.name}${member.model ? `/${member.model}` : ''} ×${member.weight}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </>
  );
}

export function BackendsPage(props: { session: Session }) {
  const [live, setLive] = useState(true);
  const snapshot = useLoad(() => api<RouterSnapshot>(props.session, 'GET', '/admin/backends'), [props.session]);
  const [reloadResult, setReloadResult] = useState<string>();
  const [reloadError, setReloadError] = useState<unknown>();
  const { reload } = snapshot;
  useEffect(() => {
    if (!live) return undefined;
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [live, reload]);
  const reloadConfig = async () => {
    setReloadResult(undefined);
    setReloadError(undefined);
    try {
      const outcome = await api<{ configFile: string | null; backends: number }>(
        props.session,
        'POST',
        '/admin/reload',
      );
      setReloadResult(`Configuration reloaded from ${outcome.configFile ?? 'the environment'}`);
      reload();
    } catch (error) {
      setReloadError(error);
    }
  };
  const view = snapshot.data;
  return (
    <section>
      <div className="page-head">
        <h1>Backends</h1>
        <div className="button-row">
          <label className="check">
            <input type="checkbox" checked={live} onChange={(event) => setLive(event.target.checked)} />
            Live (every 5 s)
          </label>
          <button type="button" className="secondary" onClick={reload}>
            Refresh
          </button>
          <button type="button" onClick={reloadConfig}>
            Reload configuration
          </button>
        </div>
      </div>
      <ErrorNotice error={snapshot.error ?? reloadError} />
      {reloadResult === undefined ? null : <Notice tone="success">{reloadResult}</Notice>}
      {view === undefined ? null : (
        <>
          <p className="muted">Default target: {view.defaultBackend}</p>
          <TableBox label="Backends">
            <table>
              <thead>
                <tr>
                  <th scope="col">Backend</th>
                  <th scope="col">Type</th>
                  <th scope="col">Circuit</th>
                  <th scope="col">Health check</th>
                  <th scope="col">Latency</th>
                  <th scope="col">First token</th>
                  <th scope="col">In flight</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Error rate</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {view.backends.map((backend) => (
                  <tr key={backend.name}>
                    <td>
                      {backend.name}
                      {backend.default ? <span className="muted"> (default)</span> : null}
                    </td>
                    <td>{backend.type}</td>
                    <td>
                      <span
                        className={`badge badge-${backend.state === 'healthy' ? 'ok' : backend.state === 'half-open' ? 'warning' : 'error'}`}
                      >
                        {backend.state}
                      </span>
                      {backend.cooldownUntil === undefined ? null : (
                        <div className="muted">until {formatTime(backend.cooldownUntil)}</div>
                      )}
                    </td>
                    <td>
                      {backend.lastCheck === undefined
                        ? 'not checked yet'
                        : `${backend.lastCheck.ok ? 'passing' : 'failing'} · ${formatMs(backend.lastCheck.latencyMs)}`}
                    </td>
                    <td>{formatMs(backend.latencyMs)}</td>
                    <td>{formatMs(backend.timeToFirstTokenMs)}</td>
                    <td>{backend.inFlight}</td>
                    <td>{backend.requests}</td>
                    <td>{percent(backend.failures, backend.requests)}</td>
                    <td>
                      {backend.lastError === undefined
                        ? '–'
                        : `${backend.lastError.status} ${backend.lastError.code}: ${backend.lastError.message}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          <Groups title="Pools" groups={view.pools} />
          <Groups title="Model aliases" groups={view.models} />
        </>
      )}
    </section>
  );
}
