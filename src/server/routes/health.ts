import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../../router/backend.js';
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

/** `GET /health`: 200 when the default backend answers, 503 with the reason when it does not. */
export async function handleHealth(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  _state: RequestState,
): Promise<void> {
  const backend = context.resolver.defaultBackend;
  const result = await probe(backend);
  const key = backend.type === 'ollama' ? 'ollama' : backend.name;
  if (result.ok) {
    sendJson(response, 200, {
      status: 'healthy',
      [key]: 'connected',
      backend: backend.name,
      version: context.version,
      timestamp: new Date().toISOString(),
    });
  } else {
    sendJson(response, 503, {
      status: 'unhealthy',
      [key]: 'disconnected',
      backend: backend.name,
      error: result.error,
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

/** `GET /health/ready`: every configured backend probed in parallel; ready when the default backend is up. */
export async function handleReady(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  _state: RequestState,
): Promise<void> {
  const backends = context.resolver.listBackends();
  const results = await Promise.all(backends.map(async (backend) => [backend, await probe(backend)] as const));
  const report = Object.fromEntries(
    results.map(([backend, result]) => [
      backend.name,
      {
        status: result.ok ? 'up' : 'down',
        latencyMs: result.latencyMs,
        ...(result.error ? { error: result.error } : {}),
      },
    ]),
  );
  const ready = results.find(([backend]) => backend.name === context.resolver.defaultBackendName)?.[1].ok ?? false;
  sendJson(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', backends: report });
}
