import { type FormEvent, useState } from 'react';
import { ApiError, api, type Session } from '../api.js';
import { ErrorNotice, Notice, TableBox } from '../components/notice.js';
import { useLoad } from '../components/use-load.js';

interface McpServer {
  name: string;
  transport?: string;
  status?: string;
  health?: unknown;
  tools?: number | unknown[];
  resources?: number | unknown[];
  prompts?: number | unknown[];
}

interface McpTool {
  name: string;
  description?: string;
  input_schema?: unknown;
  inputSchema?: unknown;
}

function count(value: number | unknown[] | undefined): string {
  if (value === undefined) return '–';
  return String(Array.isArray(value) ? value.length : value);
}

function healthText(health: unknown): string {
  if (health === undefined || health === null) return '–';
  if (typeof health === 'string') return health;
  if (typeof health === 'object' && 'status' in health) {
    const { status, latency_ms } = health as { status: unknown; latency_ms?: unknown };
    return typeof latency_ms === 'number' ? `${String(status)}, ping ${latency_ms} ms` : String(status);
  }
  if (typeof health === 'object' && 'ok' in health) return (health as { ok: unknown }).ok ? 'ok' : 'failing';
  return JSON.stringify(health);
}

/** `{tools:[…]}` or a bare list, whichever the API sends. */
function toolsOf(body: unknown): McpTool[] {
  if (Array.isArray(body)) return body as McpTool[];
  if (typeof body === 'object' && body !== null) {
    const value = (body as { tools?: unknown; data?: unknown }).tools ?? (body as { data?: unknown }).data;
    if (Array.isArray(value)) return value as McpTool[];
  }
  return [];
}

function ToolRunner(props: { session: Session; server: string }) {
  const tools = useLoad(
    () => api<unknown>(props.session, 'GET', `/v1/mcp/servers/${encodeURIComponent(props.server)}/tools`).then(toolsOf),
    [props.session, props.server],
  );
  const [tool, setTool] = useState('');
  const [args, setArgs] = useState('{}');
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<unknown>();
  const chosen = (tools.data ?? []).find((candidate) => candidate.name === tool);
  const run = async (event: FormEvent) => {
    event.preventDefault();
    setResult(undefined);
    setError(undefined);
    try {
      const parsed: unknown = JSON.parse(args);
      const output = await api<unknown>(props.session, 'POST', '/v1/mcp/execute', {
        server: props.server,
        tool,
        arguments: parsed,
      });
      setResult(JSON.stringify(output, null, 2));
    } catch (failure) {
      setError(
        failure instanceof SyntaxError ? new Error(`Arguments are not valid JSON: ${failure.message}`) : failure,
      );
    }
  };
  return (
    <div className="card">
      <h2>Tools of {props.server}</h2>
      <ErrorNotice error={tools.error} />
      <ul className="tool-list">
        {(tools.data ?? []).map((candidate) => (
          <li key={candidate.name}>
            <strong>{candidate.name}</strong> <span className="muted">{candidate.description ?? ''}</span>
          </li>
        ))}
      </ul>
      <form onSubmit={run} aria-label="Run a tool">
        <label>
          Tool
          <select required value={tool} onChange={(event) => setTool(event.target.value)}>
            <option value="">Choose a tool</option>
            {(tools.data ?? []).map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
        {chosen === undefined ? null : (
          <details>
            <summary>Input schema</summary>
            <pre>{JSON.stringify(chosen.input_schema ?? chosen.inputSchema ?? {}, null, 2)}</pre>
          </details>
        )}
        <label>
          Arguments (JSON)
          <textarea rows={5} value={args} onChange={(event) => setArgs(event.target.value)} spellCheck={false} />
        </label>
        <button type="submit" disabled={tool === ''}>
          Run tool
        </button>
      </form>
      <ErrorNotice error={error} />
      {result === undefined ? null : (
        <pre className="result" data-testid="tool-result">
          {result}
        </pre>
      )}
    </div>
  );
}

export function McpPage(props: { session: Session }) {
  const servers = useLoad(
    () => api<{ servers: McpServer[]; count: number }>(props.session, 'GET', '/v1/mcp/servers'),
    [props.session],
  );
  const [selected, setSelected] = useState<string>();
  const [checks, setChecks] = useState<Record<string, string>>({});
  const notEnabled = servers.error instanceof ApiError && servers.error.status === 404;
  const check = async (name: string) => {
    try {
      const health = await api<unknown>(props.session, 'GET', `/v1/mcp/servers/${encodeURIComponent(name)}/health`);
      setChecks((current) => ({ ...current, [name]: healthText(health) }));
    } catch (error) {
      setChecks((current) => ({ ...current, [name]: error instanceof Error ? error.message : 'failed' }));
    }
  };
  return (
    <section>
      <h1>MCP</h1>
      {notEnabled ? (
        <Notice tone="warning">
          <strong>MCP is not enabled on this gateway.</strong> {(servers.error as ApiError).message}
        </Notice>
      ) : (
        <ErrorNotice error={servers.error} />
      )}
      {servers.data === undefined ? null : (
        <>
          <TableBox label="MCP servers">
            <table>
              <thead>
                <tr>
                  <th scope="col">Server</th>
                  <th scope="col">Transport</th>
                  <th scope="col">Status</th>
                  <th scope="col">Tools</th>
                  <th scope="col">Resources</th>
                  <th scope="col">Prompts</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {servers.data.servers.map((server) => (
                  <tr key={server.name}>
                    <td>{server.name}</td>
                    <td>{server.transport ?? '–'}</td>
                    <td>{checks[server.name] ?? server.status ?? healthText(server.health)}</td>
                    <td>{count(server.tools)}</td>
                    <td>{count(server.resources)}</td>
                    <td>{count(server.prompts)}</td>
                    <td className="button-row">
                      <button type="button" className="secondary" onClick={() => check(server.name)}>
                        Check health
                      </button>
                      <button type="button" className="secondary" onClick={() => setSelected(server.name)}>
                        Tools
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          {servers.data.servers.length === 0 ? <p className="muted">No MCP servers configured.</p> : null}
        </>
      )}
      {selected === undefined ? null : <ToolRunner session={props.session} server={selected} />}
    </section>
  );
}
