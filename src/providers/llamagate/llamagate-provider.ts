import { loadSetting } from '../../provider-utils/api-key.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';

export const LLAMAGATE_DEFAULT_BASE_URL = 'https://api.llamagate.dev/v1';

/**
 * LlamaGate's hosted API, or a self-hosted LlamaGate gateway (`LLAMAGATE_API_BASE=http://localhost:8080/v1`).
 * The gateway already adapts requests to its backends and reports its own warnings, so bodies go through
 * untouched. A key (`apiKey` or `LLAMAGATE_API_KEY`) is required for the hosted API and sent when present
 * to a self-hosted gateway, which may run without auth.
 *
 * @example
 * const gateway = createLlamaGate();
 * const result = await gateway.chatModel('llama-3.1-8b').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createLlamaGate(settings: ProviderSettings = {}): Provider {
  const custom = loadSetting(settings.baseURL, ['LLAMAGATE_API_BASE'], settings.env);
  return createOpenAICompatible({
    ...settings,
    name: 'llamagate',
    baseURL: custom ?? LLAMAGATE_DEFAULT_BASE_URL,
    apiKeyEnvironmentVariables: ['LLAMAGATE_API_KEY'],
    apiKeyRequired: custom === undefined,
  });
}
