/**
 * The gateway's Prometheus registry: one `llamagate_` namespace, counters ending in `_total`, durations as
 * histograms in seconds. Label values are bounded: routes, formats and backends come from configuration,
 * unknown client-chosen model names collapse into `other`, and per-key labels exist only when enabled.
 * The hot path touches cached label children only; gauges that mirror live state are read at scrape time.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorType } from './error-type.js';

/** Sub-millisecond gateway overhead up to a second. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** Milliseconds (a cache hit) to minutes (a long generation). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const TOKEN_GAP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1];

export const OTHER_MODEL = 'other';

export interface GatewayMetricsOptions {
  /** Adds a `key_id` label to requests, tokens and cost (`METRICS_PER_KEY`). Default false. */
  perKeyLabels?: boolean;
  /** Distinct model label values kept before new ones become `other`. Default 100. */
  maxModelLabels?: number;
  /** Model names always kept (configured aliases, pools, backends). */
  knownModels?: Iterable<string>;
  /** Node's default process metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
}

/** What one finished request contributes. */
export interface RequestObservation {
  route: string;
  format: string;
  model: string | undefined;
  backend: string | undefined;
  status: number;
  errorType: ErrorType | undefined;
  keyId: string | undefined;
  durationSeconds: number;
  /** Total minus the time spent waiting for upstreams; undefined when nothing went upstream. */
  overheadSeconds: number | undefined;
  ttftSeconds: number | undefined;
  /** Mean gap between output tokens of a stream. */
  interTokenSeconds: number | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cachedTokens: number | undefined;
  reasoningTokens: number | undefined;
  costMicros: number | undefined;
  cache: 'HIT' | 'MISS' | 'BYPASS' | undefined;
  retries: number;
  fallbacks: number;
}

export interface AttemptObservation {
  backend: string;
  durationSeconds: number;
  /** undefined for a success. */
  errorType: ErrorType | undefined;
}

export interface ToolCallObservation {
  server: string;
  tool: string;
  outcome: 'success' | 'error';
  durationSeconds: number;
}

/** Live state read at scrape time. */
export interface MetricsSources {
  backends?: () => Iterable<{ name: string; state: 'healthy' | 'cooling-down' | 'half-open'; healthy: boolean }>;
  activeRequests?: () => { active: number; streams: number };
  usageWriter?: () => { buffered: number; dropped: number };
  redisFallbacks?: () => number;
}

interface RequestChildren {
  requests: Counter.Internal;
  duration: Histogram.Internal<string>;
}

const BREAKER_VALUE = { healthy: 0, 'half-open': 1, 'cooling-down': 2 } as const;

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #perKey: boolean;
  readonly #maxModels: number;
  readonly #models = new Set<string>();
  readonly #known: Set<string>;
  readonly #children = new Map<string, RequestChildren>();
  readonly #sources: MetricsSources = {};
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #overhead: Histogram;
  readonly #attempt: Histogram;
  readonly #ttft: Histogram;
  readonly #interToken: Histogram;
  readonly #tokens: Counter;
  readonly #cost: Counter;
  readonly #cache: Counter;
  readonly #retries: Counter;
  readonly #fallbacks: Counter;
  readonly #rateLimited: Counter;
  readonly #usageFlush: Histogram;
  readonly #usageDropped: Counter;
  readonly #redisFallbacks: Counter;
  readonly #toolCalls: Counter;
  readonly #toolDuration: Histogram;
  #droppedSeen = 0;
  #redisSeen = 0;

  constructor(options: GatewayMetricsOptions = {}) {
    this.#perKey = options.perKeyLabels === true;
    this.#maxModels = options.maxModelLabels ?? 100;
    this.#known = new Set(options.knownModels ?? []);
    const registers = [this.registry];
    const keyLabel = this.#perKey ? ['key_id'] : [];
    this.#requests = new Counter({
      name: 'llamagate_requests_total',
      help: 'Requests answered, by route, inbound API format, model, backend, status class and error type',
      labelNames: ['route', 'format', 'model', 'backend', 'status_class', 'error_type', ...keyLabel],
      registers,
    });
    this.#duration = new Histogram({
      name: 'llamagate_request_duration_seconds',
      help: 'Whole request duration as the client saw it',
      labelNames: ['route', 'format', 'status_class'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#overhead = new Histogram({
      name: 'llamagate_gateway_overhead_seconds',
      help: 'Time the gateway itself added: total (to the first chunk for streams) minus time waiting for upstreams',
      labelNames: ['route'],
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
    this.#attempt = new Histogram({
      name: 'llamagate_upstream_attempt_duration_seconds',
      help: 'Each upstream attempt (to the first output part for streams), by backend and outcome',
      labelNames: ['backend', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#ttft = new Histogram({
      name: 'llamagate_time_to_first_token_seconds',
      help: 'Time from the request to the first streamed chunk',
      labelNames: ['model', 'backend'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#interToken = new Histogram({
      name: 'llamagate_inter_token_latency_seconds',
      help: "A stream's mean gap between output tokens after the first",
      labelNames: ['model', 'backend'],
      buckets: TOKEN_GAP_BUCKETS,
      registers,
    });
    this.#tokens = new Counter({
      name: 'llamagate_tokens_total',
      help: 'Tokens by direction: input, output, cached_input (part of input), reasoning (part of output)',
      labelNames: ['model', 'backend', 'direction', ...keyLabel],
      registers,
    });
    this.#cost = new Counter({
      name: 'llamagate_cost_microdollars_total',
      help: 'What requests cost, in micro-dollars (1 USD = 1e6)',
      labelNames: ['model', 'backend', ...keyLabel],
      registers,
    });
    this.#cache = new Counter({
      name: 'llamagate_cache_requests_total',
      help: 'Response-cache lookups by result (hit, miss, bypass)',
      labelNames: ['result'],
      registers,
    });
    this.#retries = new Counter({
      name: 'llamagate_upstream_retries_total',
      help: 'Upstream attempts beyond the first of each request',
      labelNames: ['route'],
      registers,
    });
    this.#fallbacks = new Counter({
      name: 'llamagate_fallbacks_total',
      help: 'Requests that moved on to another backend',
      labelNames: ['route'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'llamagate_rate_limit_rejections_total',
      help: "Requests refused by the gateway's own rate limits (per key or per client)",
      labelNames: ['route'],
      registers,
    });
    this.#usageFlush = new Histogram({
      name: 'llamagate_usage_flush_duration_seconds',
      help: 'Time to append one batch to the usage ledger or request log',
      labelNames: ['sink', 'outcome'],
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
    this.#usageDropped = new Counter({
      name: 'llamagate_usage_records_dropped_total',
      help: 'Usage records dropped (buffer full while the database was down, or unsent at shutdown)',
      registers,
      collect: () => {
        const dropped = this.#sources.usageWriter?.().dropped ?? this.#droppedSeen;
        if (dropped > this.#droppedSeen) this.#usageDropped.inc(dropped - this.#droppedSeen);
        this.#droppedSeen = dropped;
      },
    });
    this.#redisFallbacks = new Counter({
      name: 'llamagate_redis_fallbacks_total',
      help: 'Rate-limit calls answered by local counters because Redis was unreachable',
      registers,
      collect: () => {
        const seen = this.#sources.redisFallbacks?.() ?? this.#redisSeen;
        if (seen > this.#redisSeen) this.#redisFallbacks.inc(seen - this.#redisSeen);
        this.#redisSeen = seen;
      },
    });
    this.#toolCalls = new Counter({
      name: 'llamagate_mcp_tool_calls_total',
      help: 'MCP tool calls by server, tool and outcome',
      labelNames: ['server', 'tool', 'outcome'],
      registers,
    });
    this.#toolDuration = new Histogram({
      name: 'llamagate_mcp_tool_call_duration_seconds',
      help: 'MCP tool call duration',
      labelNames: ['server', 'tool'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const sources = this.#sources;
    new Gauge({
      name: 'llamagate_active_requests',
      help: 'Requests in flight',
      registers,
      collect() {
        this.set(sources.activeRequests?.().active ?? 0);
      },
    });
    new Gauge({
      name: 'llamagate_open_streams',
      help: 'Streams that have started sending and not finished',
      registers,
      collect() {
        this.set(sources.activeRequests?.().streams ?? 0);
      },
    });
    new Gauge({
      name: 'llamagate_usage_queue_depth',
      help: 'Usage records waiting to be written',
      registers,
      collect() {
        this.set(sources.usageWriter?.().buffered ?? 0);
      },
    });
    new Gauge({
      name: 'llamagate_backend_circuit_state',
      help: 'Circuit breaker per backend: 0 closed (healthy), 1 half-open, 2 open (cooling down)',
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        for (const backend of sources.backends?.() ?? [])
          this.set({ backend: backend.name }, BREAKER_VALUE[backend.state]);
      },
    });
    new Gauge({
      name: 'llamagate_backend_healthy',
      help: "1 when the backend's last health check passed (or none ran) and it is not cooling down",
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        for (const backend of sources.backends?.() ?? []) this.set({ backend: backend.name }, backend.healthy ? 1 : 0);
      },
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Connects the live-state gauges to their sources (router, server, usage writer, Redis). */
  setSources(sources: MetricsSources): void {
    Object.assign(this.#sources, sources);
  }

  /** Adds configured names (aliases, pools, backends) that are always their own model label. */
  addKnownModels(names: Iterable<string>): void {
    for (const name of names) this.#known.add(name);
  }

  /**
   * The label of a model: configured names always; others once a request for them succeeded, up to the cap
   * (a failing made-up name never gets a label of its own).
   */
  modelLabel(model: string | undefined, succeeded: boolean): string {
    if (model === undefined || model === '') return '';
    if (this.#known.has(model) || this.#models.has(model)) return model;
    if (succeeded && this.#models.size < this.#maxModels && model.length <= 200) {
      this.#models.add(model);
      return model;
    }
    return OTHER_MODEL;
  }

  observeRequest(facts: RequestObservation): void {
    const model = this.modelLabel(facts.model, facts.status < 400);
    const backend = facts.backend ?? '';
    const statusClass = statusClassOf(facts.status);
    const errorType = facts.errorType ?? 'none';
    const keyId = this.#perKey ? (facts.keyId ?? '') : '';
    const cacheKey = `${facts.route}\u0000${facts.format}\u0000${model}\u0000${backend}\u0000${statusClass}\u0000${errorType}\u0000${keyId}`;
    let children = this.#children.get(cacheKey);
    if (children === undefined) {
      const labels = [facts.route, facts.format, model, backend, statusClass, errorType];
      if (this.#perKey) labels.push(keyId);
      children = {
        requests: this.#requests.labels(...labels),
        duration: this.#duration.labels(facts.route, facts.format, statusClass),
      };
      this.#children.set(cacheKey, children);
    }
    children.requests.inc();
    children.duration.observe(facts.durationSeconds);
    if (facts.overheadSeconds !== undefined) this.#overhead.labels(facts.route).observe(facts.overheadSeconds);
    if (facts.ttftSeconds !== undefined) this.#ttft.labels(model, backend).observe(facts.ttftSeconds);
    if (facts.interTokenSeconds !== undefined) this.#interToken.labels(model, backend).observe(facts.interTokenSeconds);
    if (facts.cache !== undefined) this.#cache.labels(facts.cache.toLowerCase()).inc();
    if (facts.retries > 0) this.#retries.labels(facts.route).inc(facts.retries);
    if (facts.fallbacks > 0) this.#fallbacks.labels(facts.route).inc();
    if (errorType === 'policy_rate_limited') this.#rateLimited.labels(facts.route).inc();
    const tokenLabels = (direction: string) =>
      this.#perKey ? [model, backend, direction, keyId] : [model, backend, direction];
    if (facts.inputTokens !== undefined && facts.inputTokens > 0)
      this.#tokens.labels(...tokenLabels('input')).inc(facts.inputTokens);
    if (facts.outputTokens !== undefined && facts.outputTokens > 0)
      this.#tokens.labels(...tokenLabels('output')).inc(facts.outputTokens);
    if (facts.cachedTokens !== undefined && facts.cachedTokens > 0)
      this.#tokens.labels(...tokenLabels('cached_input')).inc(facts.cachedTokens);
    if (facts.reasoningTokens !== undefined && facts.reasoningTokens > 0)
      this.#tokens.labels(...tokenLabels('reasoning')).inc(facts.reasoningTokens);
    if (facts.costMicros !== undefined && facts.costMicros > 0) {
      this.#cost.labels(...(this.#perKey ? [model, backend, keyId] : [model, backend])).inc(facts.costMicros);
    }
  }

  observeAttempt(attempt: AttemptObservation): void {
    this.#attempt.labels(attempt.backend, attempt.errorType ?? 'success').observe(attempt.durationSeconds);
  }

  observeFlush(sink: 'usage' | 'request_log', durationSeconds: number, ok: boolean): void {
    this.#usageFlush.labels(sink, ok ? 'success' : 'error').observe(durationSeconds);
  }

  /** For the MCP tool loop: one call's outcome and duration. */
  recordToolCall(call: ToolCallObservation): void {
    this.#toolCalls.labels(call.server, call.tool, call.outcome).inc();
    this.#toolDuration.labels(call.server, call.tool).observe(call.durationSeconds);
  }

  /** The exposition text (`GET /metrics`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export function statusClassOf(status: number): string {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}
