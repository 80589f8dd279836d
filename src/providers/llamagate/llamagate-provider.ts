import { loadSetting } from '../../provider-utils/api-key.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';
import { hostedModel } from './llamagate-catalogue.js';

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
  const provider = createOpenAICompatible({
    ...settings,
    name: 'llamagate',
    baseURL: custom ?? LLAMAGATE_DEFAULT_BASE_URL,
    apiKeyEnvironmentVariables: ['LLAMAGATE_API_KEY'],
    apiKeyRequired: custom === undefined,
  });
  const listUpstream = provider.listModels?.bind(provider);
  if (listUpstream === undefined) return provider;
  return {
    ...provider,
    // The hosted catalogue's capabilities ride along in `details`, for `/v1/models`.
    async listModels(options) {
      const models = await listUpstream(options);
      return models.map((model) => {
        const hosted = hostedModel(model.id);
        if (hosted === undefined) return model;
        return {
          ...model,
          kind: hosted.capabilities.embeddings ? 'embedding' : 'chat',
          details: { ...model.details, capabilities: hosted.capabilities },
        };
      });
    },
  };
}
