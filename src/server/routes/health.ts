import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../../router/backend.js';
import type { BackendNode } from '../../router/routing-table.js';
import { LlamaGateError } from '../../spec/errors.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { sendJson } from '../http-io.js';
import { ollamaBaseURL } from './ollama-backend.js';

const HEALTH_TIMEOUT_MS = 3_000;

interface Probe {
  ok: boolean;
  error?: string;
  /** The status the backend answered its health check with, when it answered at all. */
  status?: number;
  latencyMs: number;
}

async function probe(backend: Backend): Promise<Probe> {
  const started = performance.now();
  if (backend.provider.checkHealth === undefined) return { ok: true, latencyMs: 0 };
  try {
    await backend.provider.checkHealth({ timeoutMs: HEALTH_TIMEOUT_MS });
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const latencyMs = Math.round(performance.now() - started);
    const status = LlamaGateError.isInstance(error) ? error.upstream?.status : undefined;
    return { ok: false, error: (error as Error).message, ...(status === undefined ? {} : { status }), latencyMs };
  }
}

/** LlamaGate's short reason (`Ollama unreachable`, `Ollama returned status 500`); the detail goes beside it. */
function summary(backend: Backend, result: Probe): string {
  const name = backend.type === 'ollama' ? 'Ollama' : `Backend "${backend.name}"`;
  return result.status === undefined ? `${name} unreachable` : `${name} returned status ${result.status}`;
}

/**
 * `GET /health`: 200 when the default backend answers (for a default pool: any of its backends), 503 with the
 * reason when none does. Asks the backends now, like LlamaGate always did, and answers in its shape:
 * `ollama_host` when the default target has an Ollama backend, `"error":"Ollama unreachable"` with the upstream's
 * own message in `detail`.
 */
export async function handleHealth(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  _state: RequestState,
): Promise<void> {
  const backends = context.router.defaultBackends().map((node) => node.backend);
  const results = await Promise.all(backends.map(probe));
  const first = backends[0] as Backend;
  const key = first.type === 'ollama' ? 'ollama' : first.name;
  const ollama = backends.find((backend) => backend.type === 'ollama');
  const host = ollama === undefined ? {} : { ollama_host: ollamaBaseURL(context.config, ollama) };
  const up = results.find((result) => result.ok);
  if (up !== undefined) {
    sendJson(response, 200, {
      status: 'healthy',
      [key]: 'connected',
      ...host,
      backend: context.router.defaultNode.name,
      version: context.version,
      timestamp: new Date().toISOString(),
    });
  } else {
    const reasons = new Set(results.map((result, index) => summary(backends[index] as Backend, result)));
    sendJson(response, 503, {
      status: 'unhealthy',
      [key]: 'disconnected',
      ...host,
      error: [...reasons].join('; '),
      detail: results.map((result) => result.error).join('; '),
      backend: context.router.defaultNode.name,
      timestamp: new Date().toISOString(),
    });
  }
}

/** `GET /health/live`: the process answers; no backend is asked. */
export async function handleLive(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  _state: RequestState,
): Promise<void> {
  sendJson(response, 200, { status: 'alive', version: context.version, uptimeSeconds: Math.round(process.uptime()) });
}

/**
 * `GET /health/ready`: every backend with its last health check and routing state (from the periodic checks
 * when they run, else checked now). Ready when a backend of the default target passes its check and is not cooling down.
 */
export async function handleReady(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  _state: RequestState,
): Promise<void> {
  const router = context.router;
  const nodes = router.configuredBackendNodes();
  // With periodic checks running their results are fresh enough; otherwise every call asks the backends.
  await router.checkHealth(router.checkingHealth ? nodes.filter((node) => node.stats.lastCheck === undefined) : nodes);
  const report = Object.fromEntries(nodes.map((node) => [node.name, describe(node)]));
  const ready = router
    .defaultBackends()
    .some((node) => node.stats.lastCheck?.ok === true && node.stats.breaker.state !== 'cooling-down');
  sendJson(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', backends: report });
}

/**
 * One backend in `/health/ready`. `status` and `state` never contradict each other: `up` only when the check
 * passes and the backend takes requests; a failed check on a backend not yet cooling down reads `unhealthy`
 * (the routing state `healthy` only says its circuit is closed).
 */
function describe(node: BackendNode): Record<string, unknown> {
  const stats = node.stats.snapshot();
  const check = stats.lastCheck;
  const up = check?.ok === true && stats.state !== 'cooling-down';
  return {
    status: up ? 'up' : 'down',
    latencyMs: check?.latencyMs,
    ...(check?.error !== undefined ? { error: check.error } : {}),
    checkedAt: check?.at,
    state: stats.state === 'healthy' && check?.ok !== true ? 'unhealthy' : stats.state,
    inFlight: stats.inFlight,
    ...(stats.latencyMs !== undefined ? { latencyEwmaMs: stats.latencyMs } : {}),
    ...(stats.timeToFirstTokenMs !== undefined ? { ttftEwmaMs: stats.timeToFirstTokenMs } : {}),
    ...(stats.cooldownUntil !== undefined ? { cooldownUntil: stats.cooldownUntil } : {}),
  };
}
