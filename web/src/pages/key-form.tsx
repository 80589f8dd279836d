/** The settings a key is created or edited with, as form fields, and the JSON body they make. */
import type { KeyView } from '../types.js';

export interface KeySettingsDraft {
  name: string;
  owner: string;
  models: string;
  mcpTools: string;
  rpm: string;
  tpm: string;
  maxParallel: string;
  budgetAmount: string;
  budgetPeriod: string;
  expiresAt: string;
  enabled: boolean;
}

export const EMPTY_DRAFT: KeySettingsDraft = {
  name: '',
  owner: '',
  models: '',
  mcpTools: '',
  rpm: '',
  tpm: '',
  maxParallel: '',
  budgetAmount: '',
  budgetPeriod: 'month',
  expiresAt: '',
  enabled: true,
};

export function draftOf(key: KeyView): KeySettingsDraft {
  return {
    name: key.name,
    owner: key.owner ?? '',
    models: (key.models ?? []).join(', '),
    mcpTools: (key.mcp_tools ?? []).join(', '),
    rpm: key.rpm === null ? '' : String(key.rpm),
    tpm: key.tpm === null ? '' : String(key.tpm),
    maxParallel: key.max_parallel === null ? '' : String(key.max_parallel),
    budgetAmount: key.budget?.amount ?? '',
    budgetPeriod: key.budget?.period ?? 'month',
    expiresAt: key.expires_at === null ? '' : key.expires_at.slice(0, 10),
    enabled: key.enabled,
  };
}

function limit(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

/** A comma-separated list of globs; empty means no restriction (null). */
function globs(text: string): string[] | null {
  const list = text
    .split(',')
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '');
  return list.length === 0 ? null : list;
}

/** The PATCH / POST body: empty fields clear a limit (null). */
export function settingsBody(draft: KeySettingsDraft): Record<string, unknown> {
  return {
    name: draft.name.trim(),
    owner: draft.owner.trim(),
    models: globs(draft.models),
    mcp_tools: globs(draft.mcpTools),
    rpm: limit(draft.rpm),
    tpm: limit(draft.tpm),
    max_parallel: limit(draft.maxParallel),
    budget: draft.budgetAmount.trim() === '' ? null : { amount: draft.budgetAmount.trim(), period: draft.budgetPeriod },
    expires_at: draft.expiresAt === '' ? null : new Date(`${draft.expiresAt}T23:59:59Z`).toISOString(),
    enabled: draft.enabled,
  };
}

export function KeySettingsFields(props: { draft: KeySettingsDraft; onChange: (draft: KeySettingsDraft) => void }) {
  const { draft } = props;
  const set = <K extends keyof KeySettingsDraft>(name: K, value: KeySettingsDraft[K]) =>
    props.onChange({ ...draft, [name]: value });
  return (
    <div className="form-grid">
      <label>
        Name
        <input required maxLength={200} value={draft.name} onChange={(event) => set('name', event.target.value)} />
      </label>
      <label>
        Owner
        <input maxLength={200} value={draft.owner} onChange={(event) => set('owner', event.target.value)} />
      </label>
      <label className="wide">
        Allowed models (comma-separated globs; empty allows all)
        <input
          value={draft.models}
          placeholder="llama-*, gpt-4o-mini"
          onChange={(event) => set('models', event.target.value)}
        />
      </label>
      <label className="wide">
        Allowed MCP tools (comma-separated server.tool globs; empty allows all)
        <input
          value={draft.mcpTools}
          placeholder="fs.read_*, search.*"
          onChange={(event) => set('mcpTools', event.target.value)}
        />
      </label>
      <label>
        Requests per minute
        <input type="number" min={1} step={1} value={draft.rpm} onChange={(event) => set('rpm', event.target.value)} />
      </label>
      <label>
        Tokens per minute
        <input type="number" min={1} step={1} value={draft.tpm} onChange={(event) => set('tpm', event.target.value)} />
      </label>
      <label>
        Max parallel requests
        <input
          type="number"
          min={1}
          step={1}
          value={draft.maxParallel}
          onChange={(event) => set('maxParallel', event.target.value)}
        />
      </label>
      <label>
        Budget (USD)
        <input
          inputMode="decimal"
          pattern="[0-9]+(\.[0-9]+)?"
          value={draft.budgetAmount}
          onChange={(event) => set('budgetAmount', event.target.value)}
        />
      </label>
      <label>
        Budget period
        <select value={draft.budgetPeriod} onChange={(event) => set('budgetPeriod', event.target.value)}>
          <option value="day">per day</option>
          <option value="week">per week</option>
          <option value="month">per month</option>
        </select>
      </label>
      <label>
        Expires on
        <input type="date" value={draft.expiresAt} onChange={(event) => set('expiresAt', event.target.value)} />
      </label>
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(event) => set('enabled', event.target.checked)} />
        Enabled
      </label>
    </div>
  );
}
