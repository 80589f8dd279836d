/**
 * CPU of what metrics add to one request, in process: `node --import tsx bench/metrics-overhead.ts`.
 * 1. the metric updates alone (observeAttempt + observeRequest);
 * 2. the whole observability stage with metrics only (begin, one upstream attempt, finish), as the server runs it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObservabilityConfig } from '../src/config/observability-schema.js';
import type { GatewayContext, RequestState } from '../src/server/gateway-context.js';
import { GatewayMetrics } from '../src/server/metrics/gateway-metrics.js';
import { GatewayObservability } from '../src/server/observability/gateway-observability.js';

const ROUNDS = 3;
const N = 1_000_000;

function measure(label: string, run: (n: number) => void): void {
  run(200_000);
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    run(N);
    const used = process.cpuUsage(start);
    console.log(`${((used.user + used.system) / N).toFixed(3)} µs CPU per request (${label})`);
  }
}

const metrics = new GatewayMetrics({ defaultMetrics: false });
const facts = {
  route: '/v1/chat/completions',
  format: 'openai-chat',
  model: 'bench-model',
  backend: 'bench',
  status: 200,
  errorType: undefined,
  keyId: undefined,
  durationSeconds: 0.0012,
  overheadSeconds: 0.0003,
  ttftSeconds: undefined,
  interTokenSeconds: undefined,
  inputTokens: 12,
  outputTokens: 20,
  cachedTokens: undefined,
  reasoningTokens: undefined,
  costMicros: undefined,
  cache: undefined,
  retries: 0,
  fallbacks: 0,
} as const;
measure('observeAttempt + observeRequest', (n) => {
  for (let i = 0; i < n; i++) {
    metrics.observeAttempt({ backend: 'bench', durationSeconds: 0.0009, errorType: undefined });
    metrics.observeRequest(facts);
  }
});

const config = { logBodies: 'off', logRedactPatterns: [], logBodyMaxBytes: 0 } as unknown as ObservabilityConfig;
const observability = new GatewayObservability({ config, metrics: new GatewayMetrics({ defaultMetrics: false }) });
const stage = observability.stage('/v1/chat/completions');
const request = { headers: {}, method: 'POST' } as IncomingMessage;
const response = { writableEnded: true, statusCode: 200 } as ServerResponse;
const context = {} as GatewayContext;
const signal = new AbortController().signal;
const next = async (
  _context: GatewayContext,
  _request: IncomingMessage,
  _response: ServerResponse,
  state: RequestState,
) => {
  const listener = state.observation;
  if (listener !== undefined) {
    const start = { backend: 'bench', provider: 'ollama', model: 'bench-model', startedAt: performance.now() };
    listener.attemptStarted(start);
    listener.attemptEnded(start, performance.now(), undefined);
  }
  state.model = 'bench-model';
  state.backend = 'bench';
  state.usage = { promptTokens: 12, completionTokens: 20 };
};
const noStage = async (state: RequestState) => next(context, request, response, state);
const newState = (): RequestState => ({
  id: 'id',
  path: '/v1/chat/completions',
  startedAt: performance.now(),
  clientIp: '127.0.0.1',
  signal,
});
async function runStage(n: number, withStage: boolean): Promise<void> {
  for (let i = 0; i < n; i++) {
    const state = newState();
    if (withStage) await stage(context, request, response, state, next);
    else await noStage(state);
  }
}
for (const withStage of [false, true]) {
  await runStage(200_000, withStage);
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    await runStage(N, withStage);
    const used = process.cpuUsage(start);
    console.log(
      `${((used.user + used.system) / N).toFixed(3)} µs CPU per request (${withStage ? 'observability stage, metrics only' : 'the same request without the stage'})`,
    );
  }
}
