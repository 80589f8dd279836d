/**
 * The observability stage: begun when a request arrives, finished after its response (and billing) are done.
 * It listens to the request's upstream attempts (`RouteCallOptions.attemptListener`) and turns the facts once into
 * Prometheus samples, trace spans and a request-log row (written through the batching writer, off the request
 * path). Each of the three is optional; with none configured the server never calls in here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ObservabilityConfig } from '../../config/observability-schema.js';
import type { AttemptStart } from '../../router/router.js';
import type { LlamaGateError } from '../../spec/errors.js';
import type { BatchingWriter } from '../../storage/batching-usage-writer.js';
import type { RequestAttempt, RequestLog, RequestLogRecord } from '../../storage/request-log.js';
import type { GatewayContext, RequestObserver, RequestState } from '../gateway-context.js';
import { type ErrorType, errorTypeOf, errorTypeOfCode } from '../metrics/error-type.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Route } from '../route.js';
import { metricsRoutes } from '../routes/metrics.js';
import { requestLogRoutes } from '../routes/request-log.js';
import type { Stage } from '../stages/stage.js';
import type { AttemptSpan, GatewayTracing, RequestTrace } from '../tracing/gateway-tracing.js';
import { BodyRedactor, type CapturedBodies, captureBodies } from './body-capture.js';
import { MessageCapture } from './message-capture.js';

/** Inbound API format per model route (routes may also name their own). */
const FORMAT_BY_ROUTE: Readonly<Record<string, string>> = {
  '/v1/chat/completions': 'openai-chat',
  '/v1/embeddings': 'openai-embeddings',
  '/v1/completions': 'openai-completions',
  '/v1/responses': 'openai-responses',
  '/v1/messages': 'anthropic-messages',
  '/api/chat': 'ollama-chat',
  '/api/generate': 'ollama-generate',
  '/api/embed': 'ollama-embed',
  '/api/embeddings': 'ollama-embed',
};

const OPERATION_BY_FORMAT: Readonly<Record<string, string>> = {
  'openai-embeddings': 'embeddings',
  'ollama-embed': 'embeddings',
  'openai-completions': 'text_completion',
  'ollama-generate': 'text_completion',
};

/** One request's observed facts, gathered while it runs. */
export class RequestObservation implements RequestObserver {
  readonly route: string;
  readonly format: string | undefined;
  /** The attempt trail, kept only when the request log will write it. */
  readonly attempts: RequestAttempt[] | undefined;
  attemptCount = 0;
  /** The backend of the first attempt and of the latest one, and whether a later attempt went elsewhere. */
  firstBackend: string | undefined;
  lastBackend: string | undefined;
  fellBack = false;
  readonly trace: RequestTrace | undefined;
  readonly traced: boolean;
  readonly capture: CapturedBodies | undefined;
  /** performance.now() of the first attempt's start and of the latest attempt's end. */
  upstreamFrom: number | undefined;
  upstreamTo: number | undefined;
  errorType: ErrorType | undefined;
  /** Whether the response started streaming (counted in the open-streams gauge until it finishes). */
  streaming = false;
  readonly #observability: GatewayObservability;
  /** Open attempt spans by attempt (traced requests only; a call's wrappers may overlap attempts). */
  #attemptSpans: Map<AttemptStart, AttemptSpan> | undefined;

  constructor(
    observability: GatewayObservability,
    route: RouteObservation,
    trace: RequestTrace | undefined,
    capture: CapturedBodies | undefined,
    keepAttempts: boolean,
  ) {
    this.#observability = observability;
    this.route = route.path;
    this.format = route.format;
    this.attempts = keepAttempts ? [] : undefined;
    this.trace = trace;
    this.traced = trace !== undefined;
    this.capture = capture;
  }

  attemptStarted(start: AttemptStart): Readonly<Record<string, string>> | undefined {
    this.upstreamFrom ??= start.startedAt;
    const trace = this.trace;
    if (trace === undefined) return undefined;
    const span = trace.startAttempt(start, OPERATION_BY_FORMAT[this.format ?? ''] ?? 'chat');
    this.#attemptSpans ??= new Map();
    this.#attemptSpans.set(start, span);
    return span.headers;
  }

  attemptEnded(start: AttemptStart, endedAt: number, error: LlamaGateError | undefined): void {
    this.upstreamTo = endedAt;
    this.attemptCount++;
    if (this.firstBackend === undefined) this.firstBackend = start.backend;
    else if (start.backend !== this.firstBackend) this.fellBack = true;
    this.lastBackend = start.backend;
    const errorType = error === undefined ? undefined : errorTypeOf(error);
    this.attempts?.push({
      backend: start.backend,
      model: start.model,
      status:
        error === undefined ? 200 : (error.upstream?.status ?? (error.provider !== undefined ? error.status : null)),
      latencyMs: Math.round(endedAt - start.startedAt),
      errorCode: error?.code ?? null,
      errorMessage: error === undefined ? null : error.message.slice(0, 500),
    });
    this.#observability.metrics?.observeAttempt({
      backend: start.backend,
      durationSeconds: (endedAt - start.startedAt) / 1000,
      errorType,
    });
    const span = this.#attemptSpans?.get(start);
    if (span !== undefined) {
      this.#attemptSpans?.delete(start);
      span.end(endedAt, error, errorType);
    }
  }

  failed(error: LlamaGateError): void {
    this.errorType = errorTypeOf(error);
  }

  /** The first chunk of a stream went out. */
  firstChunk(): void {
    if (this.streaming) return;
    this.streaming = true;
    this.#observability.streamStarted();
  }

  toolCall(server: string, tool: string): (error?: { type: string; message?: string }) => void {
    const startedAt = performance.now();
    const span = this.trace?.startTool(tool, { 'llamagate.mcp.server': server });
    return (error) => {
      this.#observability.metrics?.recordToolCall({
        server,
        tool,
        outcome: error === undefined ? 'success' : 'error',
        durationSeconds: (performance.now() - startedAt) / 1000,
      });
      span?.(error);
    };
  }

  traceCarrier(): Record<string, string> {
    return this.trace?.carrier() ?? {};
  }
}

/** What an observation needs of its route, worked out once per route when the stage is composed. */
export interface RouteObservation {
  readonly path: string;
  /** The inbound API format of a model route; undefined for other routes (no overhead, no request-log row). */
  readonly format: string | undefined;
}

export interface GatewayObservabilityOptions {
  config: ObservabilityConfig;
  metrics?: GatewayMetrics | undefined;
  tracing?: GatewayTracing | undefined;
  /**
   * Where request-log rows go (the storage's batching writer) and where the API reads them; `close` when the
   * log's storage is the stage's own (billing off).
   */
  requestLog?:
    | { writer: BatchingWriter<RequestLogRecord>; log: RequestLog; close?: (() => Promise<void>) | undefined }
    | undefined;
}

export class GatewayObservability {
  readonly metrics: GatewayMetrics | undefined;
  readonly tracing: GatewayTracing | undefined;
  readonly #requestLog: BatchingWriter<RequestLogRecord> | undefined;
  readonly #closeRequestLog: (() => Promise<void>) | undefined;
  readonly #bodies: ObservabilityConfig['logBodies'];
  readonly #redactor: BodyRedactor;
  /** Requests begun and not finished, and those streaming: counts, as a set keyed by request is costly (0015). */
  #activeRequests = 0;
  #openStreams = 0;
  readonly #metricsPort: number | undefined;
  #metricsServer: Server | undefined;
  /** `/metrics` and the request-log API, for the server's route table. */
  readonly routes: readonly Route[];

  constructor(options: GatewayObservabilityOptions) {
    this.metrics = options.metrics;
    this.tracing = options.tracing;
    this.#requestLog = options.requestLog?.writer;
    this.#closeRequestLog = options.requestLog?.close;
    this.#metricsPort = options.config.metricsPort;
    this.routes = [
      ...(options.metrics === undefined ? [] : metricsRoutes(options.metrics, options.config.metricsToken)),
      ...(options.requestLog === undefined ? [] : requestLogRoutes(options.requestLog.log)),
    ];
    this.#bodies = options.requestLog === undefined ? 'off' : options.config.logBodies;
    this.#redactor = new BodyRedactor({
      patterns: options.config.logRedactPatterns,
      maxBytes: options.config.logBodyMaxBytes,
    });
    this.metrics?.setSources({
      activeRequests: () => ({ active: this.#activeRequests, streams: this.#openStreams }),
    });
  }

  /** Begins observing a request once its route is known. */
  begin(
    request: IncomingMessage,
    response: ServerResponse,
    state: RequestState,
    route: RouteObservation,
  ): RequestObservation {
    const trace = this.tracing?.startRequest(request.headers, request.method ?? 'GET', route.path);
    const capture =
      this.#bodies === 'off' ? undefined : captureBodies(request, response, this.#bodies, this.#redactor.maxBytes);
    const observation = new RequestObservation(this, route, trace, capture, this.#requestLog !== undefined);
    state.observation = observation;
    if (trace !== undefined && this.tracing?.captureMessageContent === true) {
      const capture = new MessageCapture(trace, this.#redactor);
      if (state.observers === undefined) state.observers = [capture];
      else state.observers.push(capture);
    }
    this.#activeRequests++;
    return observation;
  }

  /** A request's stream sent its first chunk. */
  streamStarted(): void {
    this.#openStreams++;
  }

  /** The stage of one route: begins before the inner stages, finishes after billing settled. */
  stage(path: string): Stage {
    const route: RouteObservation = { path, format: FORMAT_BY_ROUTE[path] };
    return async (context, request, response, state, next) => {
      this.begin(request, response, state, route);
      try {
        await next(context, request, response, state);
      } finally {
        this.finish(context, state, response);
      }
    };
  }

  /** After the response and billing: metrics, the server span's end, the request-log row. */
  finish(context: GatewayContext, state: RequestState, response: ServerResponse): void {
    const observation = state.observation;
    if (!(observation instanceof RequestObservation)) return;
    this.#activeRequests--;
    if (observation.streaming) this.#openStreams--;
    const now = performance.now();
    const status = response.writableEnded ? response.statusCode : 499;
    let errorType = observation.errorType;
    if (status === 499) errorType = 'caller_cancelled';
    else if (errorType === undefined && state.errorCode !== undefined) errorType = errorTypeOfCode(state.errorCode);
    if (status < 400 && state.errorCode === undefined) errorType = undefined;
    const durationMs = now - state.startedAt;
    const metered = state.metered;
    const usage = state.usage;
    const inputTokens = metered?.usage.promptTokens ?? usage?.promptTokens;
    const outputTokens = metered?.usage.completionTokens ?? usage?.completionTokens;
    const ttfc = state.timeToFirstChunkMs;
    let overheadMs: number | undefined;
    if (observation.format !== undefined) {
      const waited =
        observation.upstreamFrom === undefined || observation.upstreamTo === undefined
          ? 0
          : observation.upstreamTo - observation.upstreamFrom;
      overheadMs = Math.max(0, (state.stream && ttfc !== undefined ? ttfc : durationMs) - waited);
    }
    this.metrics?.observeRequest({
      route: observation.route,
      format: observation.format ?? 'none',
      model: state.model,
      backend: state.backend ?? observation.lastBackend,
      status,
      errorType,
      keyId: state.keyId,
      durationSeconds: durationMs / 1000,
      overheadSeconds: overheadMs === undefined ? undefined : overheadMs / 1000,
      ttftSeconds: ttfc === undefined ? undefined : ttfc / 1000,
      interTokenSeconds:
        state.stream && ttfc !== undefined && outputTokens !== undefined && outputTokens > 1
          ? (durationMs - ttfc) / (outputTokens - 1) / 1000
          : undefined,
      inputTokens,
      outputTokens,
      cachedTokens: metered?.usage.cachedTokens ?? usage?.cachedTokens,
      reasoningTokens: metered?.usage.reasoningTokens ?? usage?.reasoningTokens,
      costMicros: metered?.cost,
      cache: state.cache,
      retries: Math.max(0, observation.attemptCount - 1),
      fallbacks: observation.fellBack ? 1 : 0,
    });
    observation.trace?.end({
      status,
      route: observation.route,
      stream: state.stream === true,
      errorType,
      requestModel: state.model,
      response: { responseModel: state.upstreamModel, inputTokens, outputTokens, finishReasons: state.finishReasons },
    });
    const writer = this.#requestLog;
    if (writer === undefined || observation.format === undefined) return;
    const request = observation.capture?.request();
    const body = observation.capture?.response();
    try {
      writer.write({
        id: state.id,
        clientRequestId: state.clientRequestId,
        time: Math.round(performance.timeOrigin + state.startedAt),
        keyId: state.keyId ?? null,
        route: observation.route,
        format: observation.format,
        model: state.model ?? null,
        backend: state.backend ?? observation.lastBackend ?? null,
        status,
        errorType: errorType ?? null,
        errorCode: status >= 400 || state.errorCode !== undefined ? (state.errorCode ?? null) : null,
        latencyMs: Math.round(durationMs),
        ttfcMs: ttfc === undefined ? null : Math.round(ttfc),
        stream: state.stream === true,
        cache: state.cache === undefined ? null : (state.cache.toLowerCase() as 'hit' | 'miss' | 'bypass'),
        usage:
          inputTokens === undefined && outputTokens === undefined
            ? null
            : {
                inputTokens,
                outputTokens,
                cachedTokens: metered?.usage.cachedTokens ?? usage?.cachedTokens,
                reasoningTokens: metered?.usage.reasoningTokens ?? usage?.reasoningTokens,
                estimated: metered?.usage.estimated ?? usage?.estimated,
              },
        cost: metered?.cost ?? null,
        attempts: observation.attempts ?? [],
        requestBody: request === undefined ? null : this.#redactor.redact(request.bytes, request.total),
        responseBody: body === undefined ? null : this.#redactor.redact(body.bytes, body.total),
      });
    } catch (error) {
      context.logger.error({ requestId: state.id, err: error }, 'request log record rejected');
    }
  }

  /** Feeds the backend gauges from the live router (the server swaps it on reload). */
  watchRouter(current: () => GatewayContext['router']): void {
    this.metrics?.setSources({
      backends: function* () {
        for (const node of current().listBackendNodes()) {
          const snapshot = node.stats.snapshot();
          yield {
            name: node.name,
            state: snapshot.state,
            healthy: snapshot.state === 'healthy' && snapshot.lastCheck?.ok !== false,
          };
        }
      },
    });
  }

  /** With METRICS_PORT: serves `/metrics` without auth on that port (for a private network). */
  async listen(host: string): Promise<void> {
    const metrics = this.metrics;
    if (metrics === undefined || this.#metricsPort === undefined || this.#metricsServer !== undefined) return;
    const server = createServer((request, response) => {
      if ((request.url ?? '/').split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: only /metrics is served here\n');
        return;
      }
      metrics.text().then(
        (body) => response.writeHead(200, { 'content-type': metrics.contentType }).end(body),
        () => response.writeHead(500).end(),
      );
    });
    this.#metricsServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#metricsPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** The port `/metrics` is served on separately, once listening. */
  get metricsAddress(): { port: number } | undefined {
    const address = this.#metricsServer?.address();
    return address !== null && typeof address === 'object' ? { port: address.port } : undefined;
  }

  async close(): Promise<void> {
    const server = this.#metricsServer;
    if (server !== undefined) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    }
    await this.#closeRequestLog?.();
    await this.tracing?.shutdown();
  }
}
