/**
 * CPU of what metrics add to one request, in process: `node --import tsx bench/metrics-overhead.ts`.
 * 1. the metric updates alone (observeAttempt + observeRequest);
 * 2. the whole observability stage with metrics only (begin, one upstream attempt, finish), as the server runs it.
 */
import { GatewayMetrics } from '../src/server/metrics/gateway-metrics.js';
import { observedRequests } from './observed-requests.js';

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

for (const withStage of [false, true]) {
  const run = observedRequests(withStage);
  await run(200_000);
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    await run(N);
    const used = process.cpuUsage(start);
    console.log(
      `${((used.user + used.system) / N).toFixed(3)} µs CPU per request (${withStage ? 'observability stage, metrics only' : 'the same request without the stage'})`,
    );
  }
}
