import type { LlamaGateError } from '../spec/errors.js';
import { type BreakerState, CircuitBreaker, type CooldownPolicy } from './circuit-breaker.js';

export interface FailureRecord {
  message: string;
  code: string;
  status: number;
  at: string;
}

export interface HealthCheckRecord {
  ok: boolean;
  at: string;
  latencyMs: number;
  error?: string;
}

/** An answer whose reported usage was more than its request allowed (billing capped the charge). */
export interface UsageAnomalyRecord {
  requestId: string;
  model: string;
  promptTokens: number;
  completionTokens: number | undefined;
  /** The output tokens the request allowed (`max_tokens` × `n`), when the client set a bound. */
  allowedCompletionTokens: number | undefined;
  at: string;
}

/** What `GET /admin/backends` and `/health/ready` show for one backend. */
export interface BackendStatsSnapshot {
  state: BreakerState;
  inFlight: number;
  /** EWMA of whole-response latency (non-streaming calls). */
  latencyMs: number | undefined;
  /** EWMA of time to first output (streams). */
  timeToFirstTokenMs: number | undefined;
  consecutiveFailures: number;
  cooldownUntil: string | undefined;
  requests: number;
  failures: number;
  lastError: FailureRecord | undefined;
  lastCheck: HealthCheckRecord | undefined;
  /** Answers that reported more usage than their request allowed: a misreporting (or misbehaving) upstream. */
  usageAnomalies: number;
  lastUsageAnomaly: UsageAnomalyRecord | undefined;
}

export interface StatsOptions {
  cooldown: CooldownPolicy;
  /** EWMA weight of the newest sample. */
  smoothing: number;
  now?: () => number;
}

/**
 * Live facts about one backend, shared by every request routed to it: requests in flight, latency EWMAs, the
 * circuit breaker, the last failure and the last health check.
 */
export class BackendStats {
  readonly breaker: CircuitBreaker;
  inFlight = 0;
  latencyMs: number | undefined;
  timeToFirstTokenMs: number | undefined;
  requests = 0;
  failures = 0;
  lastError: FailureRecord | undefined;
  lastCheck: HealthCheckRecord | undefined;
  usageAnomalies = 0;
  lastUsageAnomaly: UsageAnomalyRecord | undefined;
  readonly #smoothing: number;
  readonly #now: () => number;

  constructor(options: StatsOptions) {
    this.#now = options.now ?? Date.now;
    this.#smoothing = options.smoothing;
    this.breaker = new CircuitBreaker(options.cooldown, this.#now);
  }

  /** Starts an attempt: counts it in flight and claims the half-open trial when there is one. */
  begin(): AttemptTicket {
    this.inFlight++;
    this.requests++;
    return new AttemptTicket(this, this.breaker.begin());
  }

  recordLatency(kind: 'latency' | 'ttft', ms: number): void {
    const previous = kind === 'latency' ? this.latencyMs : this.timeToFirstTokenMs;
    const next = previous === undefined ? ms : previous + this.#smoothing * (ms - previous);
    if (kind === 'latency') this.latencyMs = next;
    else this.timeToFirstTokenMs = next;
  }

  recordError(error: LlamaGateError): void {
    this.failures++;
    this.lastError = {
      message: error.message,
      code: error.code,
      status: error.status,
      at: new Date(this.#now()).toISOString(),
    };
  }

  /** Billing found the answer's reported usage beyond what its request allowed. */
  recordUsageAnomaly(record: Omit<UsageAnomalyRecord, 'at'>): void {
    this.usageAnomalies++;
    this.lastUsageAnomaly = { ...record, at: new Date(this.#now()).toISOString() };
  }

  /** A periodic check: a pass ends a cool-down early, a failure that marks the backend unwell counts like a request failure. */
  recordCheck(record: Omit<HealthCheckRecord, 'at'>, countsAsFailure: boolean): void {
    this.lastCheck = { ...record, at: new Date(this.#now()).toISOString() };
    if (record.ok) this.breaker.checkPassed();
    else if (countsAsFailure) this.breaker.failure(false);
  }

  snapshot(): BackendStatsSnapshot {
    const until = this.breaker.cooldownUntil;
    const state = this.breaker.state;
    return {
      state,
      inFlight: this.inFlight,
      latencyMs: round(this.latencyMs),
      timeToFirstTokenMs: round(this.timeToFirstTokenMs),
      consecutiveFailures: this.breaker.consecutiveFailures,
      cooldownUntil: state === 'cooling-down' && until !== undefined ? new Date(until).toISOString() : undefined,
      requests: this.requests,
      failures: this.failures,
      lastError: this.lastError,
      lastCheck: this.lastCheck,
      usageAnomalies: this.usageAnomalies,
      lastUsageAnomaly: this.lastUsageAnomaly,
    };
  }
}

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

/** One attempt on a backend. Every method is safe to call more than once; the first verdict wins. */
export class AttemptTicket {
  #released = false;
  #settled = false;

  constructor(
    private readonly stats: BackendStats,
    private readonly trial: boolean,
  ) {}

  success(sample?: { kind: 'latency' | 'ttft'; ms: number }): void {
    if (this.#settled) return;
    this.#settled = true;
    if (sample !== undefined) this.stats.recordLatency(sample.kind, sample.ms);
    this.stats.breaker.success(this.trial);
  }

  /** `counts`: whether the failure says the backend is unwell (see {@link countsAgainstBackend}). */
  failure(error: LlamaGateError, counts: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.stats.recordError(error);
    if (counts)
      this.stats.breaker.failure(this.trial, error.retryAfter === undefined ? undefined : error.retryAfter * 1000);
    else this.stats.breaker.abandon(this.trial);
  }

  /** A stream that started fine and failed later: the backend still counts it against itself. */
  failedAfterStart(error: LlamaGateError): void {
    this.stats.recordError(error);
    if (countsAgainstBackend(error)) this.stats.breaker.failure(false);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.stats.inFlight--;
    if (!this.#settled) {
      this.#settled = true;
      this.stats.breaker.abandon(this.trial);
    }
  }
}

/** Statuses that say the backend (not the request) is in trouble: rate limited, bad gateway, overloaded. */
const OUTAGE_STATUSES = new Set([429, 502, 503, 504, 529]);

/**
 * Failures that say the backend is out rather than that one request went wrong: connection failures,
 * timeouts and the overload statuses 429/502/503/504/529. A 400/401/403/404/422, a client that went away and
 * a plain 500 do not count: a 500 is what one request's content can provoke (a prompt that crashes the model),
 * so one client could otherwise take a backend offline for everyone; a backend that answers every request
 * with 500 is still avoided through fallback, and an unreachable one trips on its connection failures
 * (docs/decisions/circuit-breaker.md).
 */
export function countsAgainstBackend(error: LlamaGateError): boolean {
  if (error.code === 'client_closed_request') return false;
  const upstreamStatus = error.upstream?.status;
  if (upstreamStatus !== undefined) return OUTAGE_STATUSES.has(upstreamStatus) || error.code === 'service_unavailable';
  // No upstream answer at all: only a failed connection or a timeout says the backend is out.
  return error.code === 'upstream_unreachable' || error.code === 'upstream_timeout';
}

/**
 * A failed health check is about the backend whatever its status (nobody's request provoked it), except when
 * the check never left the gateway because this origin's connection queue was full.
 */
export function healthCheckCounts(error: LlamaGateError): boolean {
  if (error.code === 'client_closed_request' || error.code === 'upstream_queue_full') return false;
  return error.isRetryable || error.status === 401 || error.status === 403;
}
