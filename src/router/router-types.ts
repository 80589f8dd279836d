/** The router's contract types: its configuration, a request, a plan, call options and attempt events. */
import type { BackendConfig } from '../config/config-schema.js';
import type { ModelAliasConfig, RouteConfig, RoutingSettings } from '../config/routing-schema.js';
import type { CallPassthrough } from '../spec/chat.js';
import type { LlamaGateError } from '../spec/errors.js';
import type { AttemptTicket } from './backend-stats.js';
import type { FallbackTrace } from './fallback-runner.js';
import type { PlannedTarget } from './route-plan.js';

export interface RouterConfig {
  backends: readonly BackendConfig[];
  defaultBackend: string;
  ollamaHost?: string;
  routes?: readonly RouteConfig[];
  models?: Readonly<Record<string, ModelAliasConfig>>;
  routing: RoutingSettings;
  /** The gateway-wide timeout (TIMEOUT): the longest any request may take. */
  timeoutMs?: number;
  healthCheckIntervalMs?: number;
}

export interface RouteRequest {
  model: string | undefined;
  /** The gateway path (`/v1/chat/completions`), matched against `routes`. */
  path?: string;
  method?: string;
  stream?: boolean;
}

export interface RoutePlan {
  /** What the request named: a model alias, pool or backend name (the cache key's first half). */
  target: string;
  /** The model passed down (undefined: aliases' own models or backends' defaults). */
  model: string | undefined;
  candidates: readonly PlannedTarget[];
  stream: boolean;
}

export interface RouteCallOptions {
  signal?: AbortSignal;
  /** Deadline across all attempts and backoff waits, in ms from now. */
  deadlineMs?: number;
  /** A timeout the client asked for: it bounds each attempt instead of the backend's own timeout. */
  requestTimeoutMs?: number;
  headers?: Record<string, string>;
  requestId?: string;
  /** Attempts and fallbacks so far, readable after a failure too. */
  trace?: FallbackTrace;
  /** Told as each upstream attempt starts and ends (the observability stage); may add headers to its call. */
  attemptListener?: AttemptListener;
  /** Handed to every attempt's model call (a same-format passthrough only the matching adapter reads). */
  passthrough?: CallPassthrough;
  /** Told when each attempt starts and ends (metrics, request logs); must not throw. */
  observer?: AttemptObserver;
}

export interface AttemptStart {
  backend: string;
  /** The backend's provider type (`openai`, `anthropic`, `ollama`…). */
  provider: string;
  /** The model id the backend is asked for. */
  model: string;
  /** `performance.now()` when the attempt started. */
  startedAt: number;
}

/**
 * Hears a call's upstream attempts. Methods rather than returned closures, so listening allocates nothing per
 * attempt beyond its `AttemptStart` (decision 0027).
 */
export interface AttemptListener {
  /** An attempt is about to call upstream; returns headers to add to that call (trace context), if any. */
  attemptStarted(start: AttemptStart): Readonly<Record<string, string>> | undefined;
  /**
   * The attempt ended (for a stream: when its first output part arrived); `error` is undefined for a success.
   * `start` is the object `attemptStarted` was given.
   */
  attemptEnded(start: AttemptStart, endedAt: number, error: LlamaGateError | undefined): void;
}

/** What an attempt observer hears: the target tried, how long it took, and the failure when it failed. */
export interface AttemptObserver {
  attemptStart?(target: PlannedTarget): void;
  attemptEnd?(target: PlannedTarget, latencyMs: number, error: LlamaGateError | undefined): void;
}

export interface RouteOutcome<T> {
  value: T;
  target: PlannedTarget;
  attempts: number;
  fallbacks: number;
}

/** Handed to an attempt: the ticket, and `defer()` for results (streams) whose bookkeeping ends later. */
export interface AttemptControl {
  ticket: AttemptTicket;
  startedAt: number;
  defer(): void;
}
