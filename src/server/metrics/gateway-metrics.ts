/**
 * The gateway's Prometheus registry: one `llamagate_` namespace, counters ending in `_total`, durations as
 * histograms in seconds. Label values are bounded: routes, formats and backends come from configuration,
 * unknown client-chosen model names collapse into `other`, and per-key labels exist only when enabled.
 * The hot path touches cached label children only; gauges that mirror live state are read at scrape time.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ErrorType } from './error-type.js';
import {
  CounterFamily,
  type CounterSeries,
  HistogramFamily,
  type HistogramSeries,
  LabelIndex,
  type MetricFamily,
} from './metric-series.js';

/** Sub-millisecond gateway overhead up to a second. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** Milliseconds (a cache hit) to minutes (a long generation). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const TOKEN_GAP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1];

/**
 * How often the event-loop delay histogram (`nodejs_eventloop_lag_*`) samples: prom-client's 10 ms default
 * wakes the process 100 times a second, busy or idle (decision 0018).
 */
const EVENT_LOOP_SAMPLE_MS = 100;

export const OTHER_MODEL = 'other';

/** The `event` label of `llamagate_credit_lease_events_total` → the count it mirrors (decision 0025). */
const CREDIT_LEASE_EVENTS = {
  call: 'calls',
  call_failed: 'callsFailed',
  pressure_sent: 'pressureSent',
  pressure_received: 'pressureReceived',
  retry_admitted: 'retriesAdmitted',
  retry_refused: 'retriesRefused',
} as const;
type CreditLeaseCount = (typeof CREDIT_LEASE_EVENTS)[keyof typeof CREDIT_LEASE_EVENTS];

const CACHE_RESULT = { HIT: 'hit', MISS: 'miss', BYPASS: 'bypass' } as const;

/**
 * A counter mirroring counts kept elsewhere, read at scrape time (`read` gives each label value's count, or
 * undefined when there is no source): each scrape adds what a count grew by since the previous one, and a count
 * that went back (a restarted source) is followed from its new value.
 */
function mirroredCounter(
  options: { name: string; help: string; registers: Registry[]; label?: string },
  read: () => Iterable<readonly [labelValue: string, count: number]> | undefined,
): void {
  const { label } = options;
  const seen = new Map<string, number>();
  const counter: Counter<string> = new Counter({
    name: options.name,
    help: options.help,
    labelNames: label === undefined ? [] : [label],
    registers: options.registers,
    collect() {
      const counts = read();
      if (counts === undefined) return;
      for (const [labelValue, count] of counts) {
        const grown = Math.max(0, count - (seen.get(labelValue) ?? 0));
        if (label === undefined) counter.inc(grown);
        else counter.inc({ [label]: labelValue }, grown);
        seen.set(labelValue, count);
      }
    },
  });
}

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
  /** This process's credit-lease counts since it started (Postgres + Redis with credit leases). */
  creditLeases?: () => Readonly<Record<CreditLeaseCount, number>>;
}

/** The series one kind of request updates, resolved once per label combination (unused ones are not rendered). */
interface RequestSeries {
  requests: CounterSeries;
  duration: HistogramSeries;
  overhead: HistogramSeries;
  ttft: HistogramSeries;
  interToken: HistogramSeries;
  input: CounterSeries;
  output: CounterSeries;
  cachedInput: CounterSeries;
  reasoning: CounterSeries;
  cost: CounterSeries;
  retries: CounterSeries;
  fallbacks: CounterSeries;
  rateLimited: CounterSeries;
}

const BREAKER_VALUE = { healthy: 0, 'half-open': 1, 'cooling-down': 2 } as const;

export class GatewayMetrics {
  /** prom-client's registry: Node's process metrics and the gauges read at scrape time. */
  readonly registry = new Registry();
  readonly #perKey: boolean;
  readonly #maxModels: number;
  readonly #models = new Set<string>();
  readonly #known: Set<string>;
  readonly #requestSeriesIndex = new LabelIndex<RequestSeries>();
  readonly #sources: MetricsSources = {};
  /** The families updated per request, per attempt or per flush, rendered before the registry's. */
  readonly #families: MetricFamily[];
  readonly #requests: CounterFamily;
  readonly #duration: HistogramFamily;
  readonly #overhead: HistogramFamily;
  readonly #attempt: HistogramFamily;
  readonly #ttft: HistogramFamily;
  readonly #interToken: HistogramFamily;
  readonly #tokens: CounterFamily;
  readonly #cost: CounterFamily;
  readonly #cache: CounterFamily;
  readonly #retries: CounterFamily;
  readonly #fallbacks: CounterFamily;
  readonly #rateLimited: CounterFamily;
  readonly #usageFlush: HistogramFamily;
  readonly #toolCalls: CounterFamily;
  readonly #toolDuration: HistogramFamily;

  constructor(options: GatewayMetricsOptions = {}) {
    this.#perKey = options.perKeyLabels === true;
    this.#maxModels = options.maxModelLabels ?? 100;
    this.#known = new Set(options.knownModels ?? []);
    const registers = [this.registry];
    const keyLabel = this.#perKey ? ['key_id'] : [];
    this.#requests = new CounterFamily(
      'llamagate_requests_total',
      'Requests answered, by route, inbound API format, model, backend, status class and error type',
      ['route', 'format', 'model', 'backend', 'status_class', 'error_type', ...keyLabel],
    );
    this.#duration = new HistogramFamily(
      'llamagate_request_duration_seconds',
      'Whole request duration as the client saw it',
      ['route', 'format', 'status_class'],
      DURATION_BUCKETS,
    );
    this.#overhead = new HistogramFamily(
      'llamagate_gateway_overhead_seconds',
      'Time the gateway itself added: total (to the first chunk for streams) minus time waiting for upstreams',
      ['route'],
      OVERHEAD_BUCKETS,
    );
    this.#attempt = new HistogramFamily(
      'llamagate_upstream_attempt_duration_seconds',
      'Each upstream attempt (to the first output part for streams), by backend and outcome',
      ['backend', 'outcome'],
      DURATION_BUCKETS,
    );
    this.#ttft = new HistogramFamily(
      'llamagate_time_to_first_token_seconds',
      'Time from the request to the first streamed chunk',
      ['model', 'backend'],
      DURATION_BUCKETS,
    );
    this.#interToken = new HistogramFamily(
      'llamagate_inter_token_latency_seconds',
      "A stream's mean gap between output tokens after the first",
      ['model', 'backend'],
      TOKEN_GAP_BUCKETS,
    );
    this.#tokens = new CounterFamily(
      'llamagate_tokens_total',
      'Tokens by direction: input, output, cached_input (part of input), reasoning (part of output)',
      ['model', 'backend', 'direction', ...keyLabel],
    );
    this.#cost = new CounterFamily(
      'llamagate_cost_microdollars_total',
      'What requests cost, in micro-dollars (1 USD = 1e6)',
      ['model', 'backend', ...keyLabel],
    );
    this.#cache = new CounterFamily(
      'llamagate_cache_requests_total',
      'Response-cache lookups by result (hit, miss, bypass)',
      ['result'],
    );
    this.#retries = new CounterFamily(
      'llamagate_upstream_retries_total',
      'Upstream attempts beyond the first of each request',
      ['route'],
    );
    this.#fallbacks = new CounterFamily('llamagate_fallbacks_total', 'Requests that moved on to another backend', [
      'route',
    ]);
    this.#rateLimited = new CounterFamily(
      'llamagate_rate_limit_rejections_total',
      "Requests refused by the gateway's own rate limits (per key or per client)",
      ['route'],
    );
    this.#usageFlush = new HistogramFamily(
      'llamagate_usage_flush_duration_seconds',
      'Time to append one batch to the usage ledger or request log',
      ['sink', 'outcome'],
      OVERHEAD_BUCKETS,
    );
    this.#toolCalls = new CounterFamily(
      'llamagate_mcp_tool_calls_total',
      'MCP tool calls by server, tool and outcome',
      ['server', 'tool', 'outcome'],
    );
    this.#toolDuration = new HistogramFamily(
      'llamagate_mcp_tool_call_duration_seconds',
      'MCP tool call duration',
      ['server', 'tool'],
      DURATION_BUCKETS,
    );
    this.#families = [
      this.#requests,
      this.#duration,
      this.#overhead,
      this.#attempt,
      this.#ttft,
      this.#interToken,
      this.#tokens,
      this.#cost,
      this.#cache,
      this.#retries,
      this.#fallbacks,
      this.#rateLimited,
      this.#usageFlush,
      this.#toolCalls,
      this.#toolDuration,
    ];
    mirroredCounter(
      {
        name: 'llamagate_usage_records_dropped_total',
        help: 'Usage records dropped (buffer full while the database was down, or unsent at shutdown)',
        registers,
      },
      () => {
        const writer = this.#sources.usageWriter?.();
        return writer === undefined ? undefined : [['', writer.dropped]];
      },
    );
    mirroredCounter(
      {
        name: 'llamagate_redis_fallbacks_total',
        help: 'Rate-limit calls answered by local counters because Redis was unreachable',
        registers,
      },
      () => {
        const fallbacks = this.#sources.redisFallbacks?.();
        return fallbacks === undefined ? undefined : [['', fallbacks]];
      },
    );
    mirroredCounter(
      {
        name: 'llamagate_credit_lease_events_total',
        help: 'Credit leases: Redis calls for slices (call, call_failed), pressure published and acted on, holds admitted or refused when asking again after pressure',
        registers,
        label: 'event',
      },
      () => {
        const counts = this.#sources.creditLeases?.();
        return counts === undefined
          ? undefined
          : Object.entries(CREDIT_LEASE_EVENTS).map(([event, field]) => [event, counts[field]] as const);
      },
    );
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
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
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
    const route = facts.route;
    const labels = [route, facts.format, model, backend, statusClass, errorType, keyId];
    let series = this.#requestSeriesIndex.get(labels);
    if (series === undefined) {
      series = this.#requestSeries(route, facts.format, model, backend, statusClass, errorType, keyId);
      this.#requestSeriesIndex.set(labels, series);
    }
    series.requests.inc();
    series.duration.observe(facts.durationSeconds);
    if (facts.overheadSeconds !== undefined) series.overhead.observe(facts.overheadSeconds);
    if (facts.ttftSeconds !== undefined) series.ttft.observe(facts.ttftSeconds);
    if (facts.interTokenSeconds !== undefined) series.interToken.observe(facts.interTokenSeconds);
    if (facts.cache !== undefined) this.#cache.series(CACHE_RESULT[facts.cache]).inc();
    if (facts.retries > 0) series.retries.inc(facts.retries);
    if (facts.fallbacks > 0) series.fallbacks.inc();
    if (errorType === 'policy_rate_limited') series.rateLimited.inc();
    if (facts.inputTokens !== undefined && facts.inputTokens > 0) series.input.inc(facts.inputTokens);
    if (facts.outputTokens !== undefined && facts.outputTokens > 0) series.output.inc(facts.outputTokens);
    if (facts.cachedTokens !== undefined && facts.cachedTokens > 0) series.cachedInput.inc(facts.cachedTokens);
    if (facts.reasoningTokens !== undefined && facts.reasoningTokens > 0) series.reasoning.inc(facts.reasoningTokens);
    if (facts.costMicros !== undefined && facts.costMicros > 0) series.cost.inc(facts.costMicros);
  }

  #requestSeries(
    route: string,
    format: string,
    model: string,
    backend: string,
    statusClass: string,
    errorType: string,
    keyId: string,
  ): RequestSeries {
    const perKey = this.#perKey ? [keyId] : [];
    const tokens = (direction: string) => this.#tokens.series(model, backend, direction, ...perKey);
    return {
      requests: this.#requests.series(route, format, model, backend, statusClass, errorType, ...perKey),
      duration: this.#duration.series(route, format, statusClass),
      overhead: this.#overhead.series(route),
      ttft: this.#ttft.series(model, backend),
      interToken: this.#interToken.series(model, backend),
      input: tokens('input'),
      output: tokens('output'),
      cachedInput: tokens('cached_input'),
      reasoning: tokens('reasoning'),
      cost: this.#cost.series(model, backend, ...perKey),
      retries: this.#retries.series(route),
      fallbacks: this.#fallbacks.series(route),
      rateLimited: this.#rateLimited.series(route),
    };
  }

  observeAttempt(attempt: AttemptObservation): void {
    this.#attempt.series(attempt.backend, attempt.errorType ?? 'success').observe(attempt.durationSeconds);
  }

  observeFlush(sink: 'usage' | 'request_log', durationSeconds: number, ok: boolean): void {
    this.#usageFlush.series(sink, ok ? 'success' : 'error').observe(durationSeconds);
  }

  /** For the MCP tool loop: one call's outcome and duration. */
  recordToolCall(call: ToolCallObservation): void {
    this.#toolCalls.series(call.server, call.tool, call.outcome).inc();
    this.#toolDuration.series(call.server, call.tool).observe(call.durationSeconds);
  }

  /** The exposition text (`GET /metrics`): the hot-path families, then the registry's. */
  async text(): Promise<string> {
    let text = '';
    for (const family of this.#families) text += family.render();
    return text + (await this.registry.metrics());
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
