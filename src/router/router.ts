import type { RoutingSettings } from '../config/routing-schema.js';
import type { CallOptions, ChatRequest, ChatResult, ChatStreamResult } from '../spec/chat.js';
import { type LlamaGateError, toLlamaGateError } from '../spec/errors.js';
import type { Backend, BackendContext } from './backend.js';
import { BackendStats, countsAgainstBackend } from './backend-stats.js';
import type { BackoffOptions } from './backoff.js';
import { type AttemptInfo, type Candidate, defaultShouldFallback, runWithFallback } from './fallback-runner.js';
import { HealthChecker } from './health-checker.js';
import { ModelResolver } from './model-resolver.js';
import { createRandom } from './random.js';
import { noCandidateError, type PlanContext, type PlannedTarget, planTargets, servingLeaves } from './route-plan.js';
import { type RouterSnapshot, snapshotRouting } from './router-snapshot.js';
import type {
  AttemptControl,
  AttemptStart,
  RouteCallOptions,
  RouteOutcome,
  RoutePlan,
  RouteRequest,
  RouterConfig,
} from './router-types.js';

export type { GroupDescription, RouterSnapshot } from './router-snapshot.js';

/** A pool may mix providers with and without embeddings: one without is passed over like a failure. */
function fallBackFrom(error: LlamaGateError): boolean {
  return defaultShouldFallback(error) || error.code === 'embeddings_not_supported';
}

function unpriced(): undefined {
  return undefined;
}

function candidateBlockedUntil(candidate: Candidate<unknown>): number | undefined {
  return (candidate as RoutedCandidate<unknown>).target.node.stats.breaker.blockedUntil();
}

import {
  type BackendNode,
  buildRoutingTable,
  type GroupNode,
  leavesOf,
  matchConfiguredRoute,
  type RouteNode,
  type RoutingTable,
} from './routing-table.js';
import { peekFirstOutput } from './stream-peek.js';
import { trackStreamParts } from './tracked-stream.js';

export type {
  AttemptControl,
  AttemptListener,
  AttemptObserver,
  AttemptStart,
  RouteCallOptions,
  RouteOutcome,
  RoutePlan,
  RouteRequest,
  RouterConfig,
} from './router-types.js';

export interface RouterOptions extends BackendContext {
  config: RouterConfig;
  /** Price per 1M tokens (any unit, compared only) for the `cost` strategy; undefined when unpriced. */
  price?: (backend: Backend, modelId: string) => number | undefined;
  /** The router this one replaces (reload): backends with unchanged settings keep their health and latency. */
  previous?: Router;
  logger?: { warn(object: object, message: string): void; info(object: object, message: string): void };
}

interface RoutedCandidate<T> extends Candidate<T> {
  target: PlannedTarget;
}

/**
 * Routing over backends, pools and model aliases: picks the ordered backends for a request, then runs it with
 * per-backend retries, fallback, cool-downs and one deadline, keeping each backend's latency, load and health.
 *
 * @example
 * const router = new Router({ env: process.env, config: { backends, defaultBackend: 'llm-pool', routing } });
 * const plan = router.plan({ model: 'fast', path: '/v1/chat/completions' });
 * const { value, target } = await router.generate(plan, { messages: [{ role: 'user', content: 'Hi' }] });
 */
export class Router {
  readonly resolver: ModelResolver;
  readonly settings: RoutingSettings;
  readonly #table: RoutingTable;
  readonly #leaves = new Map<string, BackendNode>();
  readonly #fingerprints = new Map<string, string>();
  readonly #random: () => number;
  readonly #price: RouterOptions['price'];
  readonly #config: RouterConfig;
  readonly #health: HealthChecker;
  readonly #logger: RouterOptions['logger'];
  readonly #leaf: (backend: Backend) => BackendNode;
  readonly #backoff: BackoffOptions;

  constructor(options: RouterOptions) {
    const { config } = options;
    this.#config = config;
    this.settings = config.routing;
    this.#random = createRandom(config.routing.seed);
    this.#backoff = {
      initialDelayMs: config.routing.backoff.initialDelay,
      maxDelayMs: config.routing.backoff.maxDelay,
      multiplier: config.routing.backoff.multiplier,
      jitter: config.routing.backoff.jitter,
      maxRetryAfterMs: config.routing.backoff.maxRetryAfter,
    };
    this.#price = options.price;
    this.#logger = options.logger;
    this.resolver = new ModelResolver({
      backends: config.backends,
      defaultBackend: config.defaultBackend,
      ollamaHost: config.ollamaHost,
      env: options.env,
      imageFetch: options.imageFetch,
      dispatcher: options.dispatcher,
    });
    const policy = JSON.stringify([config.routing.cooldown, config.routing.latency]);
    for (const backend of config.backends) this.#fingerprints.set(backend.name, `${policy}${JSON.stringify(backend)}`);
    const previous = options.previous;
    const leaf = (backend: Backend): BackendNode => {
      const existing = this.#leaves.get(backend.name);
      if (existing !== undefined) return existing;
      const fingerprint =
        this.#fingerprints.get(backend.name) ?? `${policy}implicit:${backend.type}:${config.ollamaHost ?? ''}`;
      const node: BackendNode = {
        kind: 'backend',
        name: backend.name,
        backend,
        stats:
          (previous === undefined ? undefined : previous.#statsIfUnchanged(backend.name, fingerprint)) ??
          this.#newStats(),
      };
      this.#fingerprints.set(backend.name, fingerprint);
      this.#leaves.set(backend.name, node);
      return node;
    };
    this.#leaf = leaf;
    for (const backend of this.resolver.listBackends()) leaf(backend);
    this.#table = buildRoutingTable({
      backends: config.backends,
      models: config.models ?? {},
      routes: config.routes ?? [],
      defaultBackend: config.defaultBackend,
      resolver: this.resolver,
      leaf,
    });
    this.#health = new HealthChecker({
      // The implicit Ollama backend is only watched when it is the default (else nobody asked for it).
      targets: () => {
        const defaults = new Set(this.defaultBackends());
        return this.configuredBackendNodes().filter((node) => !node.backend.implicit || defaults.has(node));
      },
      intervalMs: config.healthCheckIntervalMs ?? 0,
      timeoutMs: config.routing.healthCheckTimeout,
      onChange: (node, ok, error) =>
        this.#logger?.[ok ? 'info' : 'warn'](
          { backend: node.name, ok, error, state: node.stats.breaker.state },
          ok ? 'backend health check passes again' : 'backend health check failed',
        ),
    });
  }

  #newStats(): BackendStats {
    return new BackendStats({
      cooldown: {
        failures: this.settings.cooldown.failures,
        periodMs: this.settings.cooldown.period,
        maxPeriodMs: this.settings.cooldown.maxPeriod,
      },
      smoothing: this.settings.latency.smoothing,
    });
  }

  #statsIfUnchanged(name: string, fingerprint: string): BackendStats | undefined {
    return this.#fingerprints.get(name) === fingerprint ? this.#leaves.get(name)?.stats : undefined;
  }

  /** Every backend the router knows: configured ones, the implicit Ollama, and implicit ones used so far. */
  listBackendNodes(): BackendNode[] {
    return [...this.#leaves.values()];
  }

  /** A backend's node by name (configured, implicit, or used so far), for stats kept outside the router. */
  backendNode(name: string): BackendNode | undefined {
    return this.#leaves.get(name);
  }

  /** Configured backends and the implicit Ollama one: what health checks and `/health/ready` cover. */
  configuredBackendNodes(): BackendNode[] {
    return this.resolver.listBackends().map((backend) => this.#leaf(backend));
  }

  /** Whether periodic health checks are running (else checks happen on demand). */
  get checkingHealth(): boolean {
    return this.#health.started;
  }

  get pools(): ReadonlyMap<string, GroupNode> {
    return this.#table.pools;
  }

  get aliases(): ReadonlyMap<string, GroupNode> {
    return this.#table.aliases;
  }

  get defaultNode(): RouteNode {
    return this.#table.defaultNode;
  }

  /** The backends behind the default target (the default backend, or every member of a default pool). */
  defaultBackends(): BackendNode[] {
    return leavesOf(this.#table.defaultNode);
  }

  /**
   * Which node serves a request and with which model: a `models:` alias; else `<backend-or-pool>/<model>`; else
   * `<provider>/<model>`; else a bare backend or pool name (each member's default model); else the matching
   * route's backend with the model passed through; else (no route) a bare hosted-family name whose provider is
   * set up (`claude-…`); else the default backend.
   */
  resolveNode(request: RouteRequest): { node: RouteNode; model: string | undefined } {
    const model = request.model === '' ? undefined : request.model;
    if (model !== undefined) {
      const alias = this.#table.aliases.get(model);
      if (alias !== undefined) return { node: alias, model: undefined };
      const slash = model.indexOf('/');
      const pool = slash > 0 ? this.#table.pools.get(model.slice(0, slash)) : undefined;
      if (pool !== undefined) return { node: pool, model: model.slice(slash + 1) || undefined };
      const prefixed = this.resolver.resolvePrefixed(model);
      if (prefixed !== undefined) return { node: this.#leaf(prefixed.backend), model: prefixed.modelId };
      const named = this.#table.pools.get(model) ?? this.resolver.getBackend(model);
      if (named !== undefined) return { node: 'kind' in named ? named : this.#leaf(named), model: undefined };
      // A request naming a route sends each member its own default model, never the route's name.
      const namedRoute = this.#table.routes.find((route) => route.name === model);
      if (namedRoute !== undefined) return { node: namedRoute.node, model: undefined };
    }
    const route =
      request.path === undefined ? undefined : matchConfiguredRoute(this.#table.routes, request.path, request.method);
    if (route !== undefined) return { node: route.node, model };
    const bare = model === undefined ? undefined : this.resolver.resolveBareFamily(model);
    if (bare !== undefined) return { node: this.#leaf(bare.backend), model: bare.modelId };
    return { node: this.#table.defaultNode, model };
  }

  /**
   * Every backend and model that may serve a request, whatever their health (what billing prices before the
   * call), and whether the request named a `models:` alias, a pool or a route rather than a model.
   */
  servingTargets(request: RouteRequest): {
    group: boolean;
    targets: { backend: Backend; modelId: string | undefined }[];
  } {
    const { node, model } = this.resolveNode(request);
    const name = request.model;
    const group =
      name !== undefined &&
      (this.#table.aliases.has(name) ||
        this.#table.pools.has(name) ||
        this.#table.routes.some((route) => route.name === name));
    const targets = servingLeaves(node, model).map((leaf) => ({ backend: leaf.node.backend, modelId: leaf.model }));
    return { group, targets };
  }

  /** The ordered backends a request will try. Throws 503 (with Retry-After) when all are cooling down. */
  plan(request: RouteRequest): RoutePlan {
    const { node, model } = this.resolveNode(request);
    const stream = request.stream === true;
    const context: PlanContext = {
      random: this.#random,
      stream,
      explore: this.settings.latency.explore,
      price: this.#price ?? unpriced,
      blockedUntil: [],
      missingModel: false,
    };
    let candidates = planTargets(node, model, context);
    // With no alternative left, the cooling-down backends are probed (one trial each) instead of refusing everyone.
    if (candidates.length === 0 && context.blockedUntil.length > 0) {
      if (leavesOf(node).filter((leaf) => leaf.stats.breaker.allowProbe()).length > 0) {
        context.blockedUntil = [];
        candidates = planTargets(node, model, context);
      }
    }
    if (candidates.length === 0) throw noCandidateError(node.name, context);
    return { target: node.name, model, candidates, stream };
  }

  /**
   * Runs one attempt function over a plan's candidates with retries, fallback and the deadline. The attempt
   * gets call options with its own timeout (the client's, else the backend's, never past the deadline).
   */
  async execute<T>(
    plan: RoutePlan,
    attempt: (target: PlannedTarget, call: CallOptions, control: AttemptControl) => Promise<T>,
    options: RouteCallOptions = {},
  ): Promise<RouteOutcome<T>> {
    const deadlineMs = Math.min(
      options.deadlineMs ?? Number.POSITIVE_INFINITY,
      this.#config.timeoutMs ?? Number.POSITIVE_INFINITY,
    );
    const candidates = plan.candidates.map<RoutedCandidate<T>>((target) => ({
      target,
      // Shown in AllProvidersFailedError messages: which backend, asked for which model.
      model: `${target.backend.name}/${target.modelId}`,
      provider: target.backend.type,
      backend: target.backend.name,
      maxRetries: target.backend.maxRetries ?? this.settings.maxRetries,
      run: (signal, info) => this.#attempt(target, attempt, options, signal, info),
    }));
    const outcome = await runWithFallback(candidates, {
      signal: options.signal,
      backoff: this.#backoff,
      deadline: Number.isFinite(deadlineMs) ? performance.now() + deadlineMs : undefined,
      random: this.#random,
      trace: options.trace,
      shouldFallback: fallBackFrom,
      blockedUntil: candidateBlockedUntil,
    });
    return {
      value: outcome.value,
      target: (outcome.served as RoutedCandidate<T>).target,
      attempts: outcome.attempts,
      fallbacks: outcome.tried - 1,
    };
  }

  async #attempt<T>(
    target: PlannedTarget,
    attempt: (target: PlannedTarget, call: CallOptions, control: AttemptControl) => Promise<T>,
    options: RouteCallOptions,
    signal: AbortSignal | undefined,
    info: AttemptInfo,
  ): Promise<T> {
    const remainingMs = info.remainingMs;
    const ownTimeout = options.requestTimeoutMs ?? target.backend.timeoutMs;
    const budget =
      ownTimeout === undefined
        ? remainingMs
        : remainingMs === undefined
          ? ownTimeout
          : Math.min(ownTimeout, remainingMs);
    const timeoutMs = budget === undefined ? undefined : Math.max(1, Math.floor(budget));
    const stats = target.node.stats;
    const stateBefore = stats.breaker.state;
    const ticket = stats.begin();
    const startedAt = performance.now();
    let deferred = false;
    const control: AttemptControl = { ticket, startedAt, defer: () => (deferred = true) };
    let headers = options.headers;
    const listener = options.attemptListener;
    let start: AttemptStart | undefined;
    if (listener !== undefined) {
      const backend = target.backend;
      start = { backend: backend.name, provider: backend.type, model: target.modelId, startedAt };
      const extra = listener.attemptStarted(start);
      if (extra !== undefined) headers = { ...options.headers, ...extra };
    }
    const call: CallOptions = {
      signal,
      timeoutMs,
      headers,
      requestId: options.requestId,
      passthrough: options.passthrough,
    };
    const observer = options.observer;
    observer?.attemptStart?.(target);
    try {
      const value = await attempt(target, call, control);
      const endedAt = performance.now();
      if (start !== undefined) listener?.attemptEnded(start, endedAt, undefined);
      observer?.attemptEnd?.(target, endedAt - startedAt, undefined);
      if (!deferred) {
        ticket.success({ kind: 'latency', ms: endedAt - startedAt });
        ticket.release();
      }
      if (stateBefore !== 'healthy' && stats.breaker.state === 'healthy')
        this.#logger?.info({ backend: target.backend.name }, 'backend recovered');
      return value;
    } catch (thrown) {
      const error = toLlamaGateError(thrown);
      const endedAt = performance.now();
      if (start !== undefined) listener?.attemptEnded(start, endedAt, error);
      // A timeout shorter than the backend's own (the client's, or what the deadline left) proves nothing.
      const normal = target.backend.timeoutMs ?? this.#config.timeoutMs;
      const cutShort =
        error.code === 'upstream_timeout' && timeoutMs !== undefined && normal !== undefined && timeoutMs < normal;
      // One request counts once against a backend: its own retries must not trip the breaker mid-retry.
      ticket.failure(error, countsAgainstBackend(error) && !cutShort && info.retry === 0);
      ticket.release();
      observer?.attemptEnd?.(target, endedAt - startedAt, error);
      if (stats.breaker.state === 'cooling-down' && stateBefore !== 'cooling-down') {
        this.#logger?.warn(
          { backend: target.backend.name, until: stats.snapshot().cooldownUntil, code: error.code },
          'backend cooling down after repeated failures',
        );
      }
      throw error;
    }
  }

  /** A chat completion over the plan. */
  generate(plan: RoutePlan, request: ChatRequest, options: RouteCallOptions = {}): Promise<RouteOutcome<ChatResult>> {
    return this.execute(
      plan,
      (target, call) => target.backend.provider.chatModel(target.modelId).generate(request, call),
      options,
    );
  }

  /**
   * A streamed chat completion: a backend that fails before its first output part is retried or fallen back
   * from; once a part was produced the stream is the answer and later failures arrive as its `error` part.
   */
  stream(
    plan: RoutePlan,
    request: ChatRequest,
    options: RouteCallOptions = {},
  ): Promise<RouteOutcome<ChatStreamResult>> {
    return this.execute(
      plan,
      async (target, call, control) => {
        const started = await target.backend.provider.chatModel(target.modelId).stream(request, call);
        const peeked = await peekFirstOutput(started);
        control.defer();
        control.ticket.success({ kind: 'ttft', ms: performance.now() - control.startedAt });
        return { ...peeked, parts: trackStreamParts(peeked.parts, control.ticket) };
      },
      options,
    );
  }

  /** What `GET /admin/backends` shows. */
  snapshot(): RouterSnapshot {
    return snapshotRouting(this.#config.defaultBackend, this.listBackendNodes(), this.defaultBackends(), this.#table);
  }

  /** Starts the periodic health checks (healthCheckInterval; 0 turns them off). */
  start(): void {
    this.#health.start();
  }

  /** Stops the health checks; requests still running finish normally. */
  stop(): void {
    this.#health.stop();
  }

  /** Runs a health check of every backend now. */
  checkHealth(nodes: readonly BackendNode[] = this.configuredBackendNodes()): Promise<void> {
    return Promise.all(nodes.map((node) => this.#health.check(node))).then(() => undefined);
  }
}
