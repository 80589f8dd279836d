import { loadSetting } from '../../provider-utils/api-key.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';

/** Meta's hosted Llama API, OpenAI-compatible under `/compat/v1`. */
export const META_DEFAULT_BASE_URL = 'https://api.llama.com/compat/v1';

export interface MetaProviderSettings extends ProviderSettings {
  /** Base URL of any OpenAI-compatible Llama host (same as `baseURL`); Meta's Llama API when absent. */
  endpoint?: string;
}

/**
 * A Meta Llama host speaking OpenAI's chat format: Meta's Llama API by default, or any host given an endpoint
 * (Llama Stack, a vendor's Llama deployment). The key (`apiKey`, `META_API_KEY` or `LLAMA_API_KEY`) is required
 * for Meta's own API and sent when present to other hosts. Meta's API has no embeddings endpoint.
 *
 * @example
 * const llama = createMeta({ endpoint: 'http://localhost:8321/v1/openai/v1' });
 * const result = await llama.chatModel('Llama-3.3-70B-Instruct').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createMeta(settings: MetaProviderSettings = {}): Provider {
  const { endpoint, ...common } = settings;
  const custom = loadSetting(settings.baseURL ?? endpoint, [], settings.env);
  return createOpenAICompatible({
    ...common,
    name: 'meta',
    baseURL: custom ?? META_DEFAULT_BASE_URL,
    apiKeyEnvironmentVariables: ['META_API_KEY', 'LLAMA_API_KEY'],
    apiKeyRequired: custom === undefined,
    supportsEmbeddings: false,
  });
}
