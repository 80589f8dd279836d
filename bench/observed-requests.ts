/**
 * The stand-in request both in-process measurements of the observability stage run (`bench/metrics-overhead.ts`
 * times it, `bench/observation-instructions.ts` counts its instructions): the stage with metrics only around a
 * handler that makes one upstream attempt through the attempt listener, or that handler alone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObservabilityConfig } from '../src/config/observability-schema.js';
import type { GatewayContext, RequestState } from '../src/server/gateway-context.js';
import { GatewayMetrics } from '../src/server/metrics/gateway-metrics.js';
import { GatewayObservability } from '../src/server/observability/gateway-observability.js';

/** Runs `count` requests one after another, through the stage or straight to the handler. */
export function observedRequests(withStage: boolean): (count: number) => Promise<void> {
  const config = { logBodies: 'off', logRedactPatterns: [], logBodyMaxBytes: 0 } as unknown as ObservabilityConfig;
  const observability = new GatewayObservability({ config, metrics: new GatewayMetrics({ defaultMetrics: false }) });
  const stage = observability.stage('/v1/chat/completions');
  const request = { headers: {}, method: 'POST' } as IncomingMessage;
  const response = { writableEnded: true, statusCode: 200 } as ServerResponse;
  const context = {} as GatewayContext;
  const signal = new AbortController().signal;
  const handler = async (
    _context: GatewayContext,
    _request: IncomingMessage,
    _response: ServerResponse,
    state: RequestState,
  ) => {
    // As the router's attempt: the clock read either way, the attempt's description only for a listener.
    const startedAt = performance.now();
    const listener = state.observation;
    const start =
      listener === undefined ? undefined : { backend: 'bench', provider: 'ollama', model: 'bench-model', startedAt };
    if (start !== undefined) listener?.attemptStarted(start);
    const endedAt = performance.now();
    if (start !== undefined) listener?.attemptEnded(start, endedAt, undefined);
    state.model = 'bench-model';
    state.backend = 'bench';
    state.usage = { promptTokens: 12, completionTokens: 20 };
  };
  return async (count) => {
    for (let sent = 0; sent < count; sent++) {
      const state: RequestState = {
        id: 'id',
        path: '/v1/chat/completions',
        startedAt: performance.now(),
        clientIp: '127.0.0.1',
        signal,
      };
      if (withStage) await stage(context, request, response, state, handler);
      else await handler(context, request, response, state);
    }
  };
}
