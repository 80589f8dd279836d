import type { GatewayConfig } from '../../config/config-schema.js';
import { resolveOllamaBaseURL } from '../../providers/ollama/ollama-host.js';
import type { Backend } from '../../router/backend.js';
import type { GatewayContext } from '../gateway-context.js';

/** Where an Ollama backend is: its configured `endpoint` (or `baseURL`), else OLLAMA_HOST, as the adapter reads it. */
export function ollamaBaseURL(config: Readonly<GatewayConfig>, backend: Backend): string {
  const configured = config.backends.find((entry) => entry.name === backend.name)?.config ?? {};
  const endpoint = [configured.endpoint, configured.baseURL, configured.baseUrl].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  return resolveOllamaBaseURL(endpoint, { OLLAMA_HOST: config.ollamaHost });
}

/** The Ollama backend management calls go to: the default backend when it is Ollama, else the first one. */
export function defaultOllama(context: GatewayContext): { name: string; baseURL: string } | undefined {
  const backends = context.resolver.listBackends().filter((backend) => backend.type === 'ollama');
  const backend = backends.find((entry) => entry.name === context.resolver.defaultBackendName) ?? backends[0];
  if (backend === undefined) return undefined;
  return { name: backend.name, baseURL: ollamaBaseURL(context.config, backend) };
}
