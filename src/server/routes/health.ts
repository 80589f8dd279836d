import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../../router/backend.js';
import type { BackendNode } from '../../router/routing-table.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { sendJson } from '../http-io.js';

const HEALTH_TIMEOUT_MS = 3_000;

async function probe(backend: Backend): Promise<{ ok: boolean; error?: string; latencyMs: number }> {
  const started = performance.now();
  if (backend.provider.checkHealth === undefined) return { ok: true, latencyMs: 0 };
  try {
    await backend.provider.checkHealth({ timeoutMs: HEALTH_TIMEOUT_MS });
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: (error as Error).message, latencyMs: Math.round(performance.now() - started) };
  }
}

/**
 * `GET /health`: 200 when the default backend answers (for a default pool: any of its backends), 503 with the
 * reason when none does. Asks the backends now, like LlamaGate always did.
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
  const up = results.find((result) => result.ok);
  if (up !== undefined) {
    sendJson(response, 200, {
      status: 'healthy',
      [key]: 'connected',
      backend: context.router.defaultNode.name,
      version: context.version,
      timestamp: new Date().toISOString(),
    });
  } else {
    sendJson(response, 503, {
      status: 'unhealthy',
      [key]: 'disconnected',
      backend: context.router.defaultNode.name,
      error: results.map((result) => result.error).join('; '),
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

function describe(node: BackendNode): Record<string, unknown> {
  const stats = node.stats.snapshot();
  const check = stats.lastCheck;
  return {
    status: check?.ok === true ? 'up' : 'down',
    latencyMs: check?.latencyMs,
    ...(check?.error !== undefined ? { error: check.error } : {}),
    checkedAt: check?.at,
    state: stats.state,
    inFlight: stats.inFlight,
    ...(stats.latencyMs !== undefined ? { latencyEwmaMs: stats.latencyMs } : {}),
    ...(stats.timeToFirstTokenMs !== undefined ? { ttftEwmaMs: stats.timeToFirstTokenMs } : {}),
    ...(stats.cooldownUntil !== undefined ? { cooldownUntil: stats.cooldownUntil } : {}),
  };
}
