/**
 * What every routed call of the server shares (chat, embeddings, any inbound format): the timeout the client
 * asked for, the routing headers, which backend served, and the signals a call listens to.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FallbackTrace } from '../../router/fallback-runner.js';
import type { RouteCallOptions, RouteOutcome } from '../../router/router.js';
import type { Warning } from '../../spec/chat.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';

export interface RequestTiming {
  /** The overall deadline across retries and fallbacks (ms). */
  deadlineMs: number;
  /** The timeout the client asked for (body `timeout`, else `x-llamagate-timeout`), which also bounds each attempt. */
  requestTimeoutMs: number | undefined;
}

/** The client's timeout (body `timeout`, else `x-llamagate-timeout` in seconds), capped by TIMEOUT. */
export function requestTiming(
  context: GatewayContext,
  request: IncomingMessage,
  parsedTimeoutMs: number | undefined,
): RequestTiming {
  const header = request.headers['x-llamagate-timeout'];
  const headerMs =
    typeof header === 'string' && Number.isFinite(Number(header)) && Number(header) > 0
      ? Number(header) * 1000
      : undefined;
  const asked = parsedTimeoutMs ?? headerMs;
  const cap = context.config.timeoutMs;
  return {
    deadlineMs: Math.min(asked ?? cap, cap),
    requestTimeoutMs: asked === undefined ? undefined : Math.min(asked, cap),
  };
}

/** `x-llamagate-backend` (who served, or was tried last), `x-llamagate-attempts`, `x-llamagate-fallbacks`. */
export function routingHeaders(trace: FallbackTrace, served?: string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-llamagate-attempts': String(trace.attempts),
    'x-llamagate-fallbacks': String(trace.fallbacks),
  };
  const backend = served ?? trace.current;
  if (backend !== undefined) headers['x-llamagate-backend'] = backend;
  return headers;
}

/** After a failed routed call: tells the client how many attempts were made and where. */
export function addTriedHeaders(response: ServerResponse, trace: FallbackTrace): void {
  if (!response.headersSent && trace.attempts > 0) {
    for (const [name, value] of Object.entries(routingHeaders(trace))) response.setHeader(name, value);
  }
}

/** Which backend served (after retries and fallbacks), for the log line and billing. */
export function recordServed(state: RequestState, outcome: RouteOutcome<unknown>): void {
  state.backend = outcome.target.backend.name;
  state.upstreamModel = outcome.target.modelId;
  state.attempts = outcome.attempts;
}

/** Header-safe text for `x-llamagate-warnings`: printable ASCII only, warnings separated by "; ". */
export function warningsHeader(warnings: readonly Warning[]): string | undefined {
  if (warnings.length === 0) return undefined;
  return warnings
    .map((warning) => (warning.setting !== undefined ? `${warning.setting}: ${warning.message}` : warning.message))
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 2000);
}

/** Headers the gateway sends upstream with every call: the client's request id travels on, else the gateway's. */
export function upstreamHeaders(state: RequestState): Record<string, string> {
  return { 'x-request-id': state.clientRequestId ?? state.id };
}

/**
 * The options every routed call of a request passes to the router: timing, upstream headers, the attempt trace
 * and the observability stage's attempt listener (the request log's attempt trail, metrics, trace spans) — one
 * place, so no model route can forget one of them.
 */
export function routedCallOptions(
  state: RequestState,
  timing: RequestTiming,
  trace: FallbackTrace,
  signal: AbortSignal = state.signal,
): RouteCallOptions {
  return {
    signal,
    deadlineMs: timing.deadlineMs,
    requestTimeoutMs: timing.requestTimeoutMs,
    headers: upstreamHeaders(state),
    requestId: state.id,
    trace,
    attemptListener: state.observation,
  };
}

/**
 * A stream's own signal, aborted when the client's connection closes or when this response ends for any
 * reason. Non-streaming calls listen to the connection's shared signal and always remove their listener; a
 * stream's upstream listens until the stream is consumed or closed, so its listener must not outlive the
 * response on a keep-alive connection.
 */
export function responseScopedSignal(state: RequestState, response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const connection = state.signal;
  const onAbort = () => controller.abort(connection.reason);
  if (connection.aborted) controller.abort(connection.reason);
  else connection.addEventListener('abort', onAbort, { once: true });
  response.once('close', () => {
    connection.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort(new Error('response finished'));
  });
  return controller.signal;
}
