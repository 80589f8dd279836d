/** The JSON shapes of the gateway APIs the dashboard reads (snake_case, money as dollar strings). */

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  owner: string | null;
  models: string[] | null;
  /** Globs over `server.tool`; null allows every MCP tool. */
  mcp_tools: string[] | null;
  rpm: number | null;
  tpm: number | null;
  max_parallel: number | null;
  budget: { amount: string; period: string; spent: string; remaining: string } | null;
  expires_at: string | null;
  enabled: boolean;
  revoked: boolean;
  revoked_at: string | null;
  unlimited_credits: boolean;
  balance: string;
  reserved: string;
  total_spent: string;
  created_at: string;
  updated_at: string;
}

export type CreatedKey = KeyView & { key: string };

export interface CreditEntry {
  id: number;
  kind: string;
  amount: string;
  balance_after: string;
  reason: string;
  request_id: string | null;
  created_at: string;
}

export interface Totals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost: string;
  errors: number;
  cache_hits: number;
}

export type UsageRow = Totals & {
  key_id?: string | null;
  /** Added by the dashboard from the key list. */
  key_name?: string;
  model?: string;
  day?: string;
  backend?: string;
};

export interface UsageReport {
  total: Totals;
  by_model: (Totals & { model: string })[];
  by_day: (Totals & { day: string })[];
}

export interface UsageRecord {
  time: string;
  request_id: string;
  key_id: string | null;
  model: string;
  backend: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost: string;
  latency_ms: number | null;
  ttft_ms: number | null;
  status: number;
  error_code: string | null;
  cache_hit: boolean;
}

export interface Credits {
  key_id: string;
  balance: string;
  reserved: string;
  available: string | null;
  unlimited: boolean;
  total_spent: string;
  budget: KeyView['budget'];
}

/** `GET /admin/requests` and `/v1/requests` (the observability request log). */
export interface RequestSummary {
  id: string;
  time: string;
  key_id: string | null;
  route: string;
  format: string;
  model: string | null;
  backend: string | null;
  status: number;
  error_type: string | null;
  error_code: string | null;
  latency_ms: number;
  ttfc_ms: number | null;
  stream: boolean;
  cache: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: string | null;
  attempts: number;
}

export interface AttemptDetail {
  backend: string;
  model: string;
  status: number | null;
  latency_ms: number;
  error_code: string | null;
  error_message: string | null;
}

export type RequestDetail = RequestSummary & {
  attempts_detail: AttemptDetail[];
  usage: Record<string, unknown> | null;
  request_body: unknown;
  response_body: unknown;
};

export interface BackendState {
  name: string;
  type: string;
  implicit: boolean;
  default: boolean;
  defaultModel: string | undefined;
  state: string;
  inFlight: number;
  latencyMs: number | undefined;
  timeToFirstTokenMs: number | undefined;
  consecutiveFailures: number;
  cooldownUntil: string | undefined;
  requests: number;
  failures: number;
  lastError: { message: string; code: string; status: number; at: string } | undefined;
  lastCheck: { ok: boolean; at: string; latencyMs: number; error?: string } | undefined;
}

export interface GroupDescription {
  name: string;
  strategy: string;
  fallback: boolean;
  members: { name: string; weight: number; model?: string }[];
}

export interface RouterSnapshot {
  defaultBackend: string;
  backends: BackendState[];
  pools: GroupDescription[];
  models: GroupDescription[];
  routes: { name: string | undefined; path: string; methods: string[] | undefined; backend: string }[];
}

export interface ListedModel {
  id: string;
  backend?: string;
}
