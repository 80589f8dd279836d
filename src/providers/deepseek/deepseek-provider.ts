import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';
import { prepareDeepSeekBody } from './convert-to-deepseek-request.js';

export const DEEPSEEK_BASE_URL = 'https://api.deepseek.com/v1';

/**
 * DeepSeek's OpenAI-compatible API. The key comes from `apiKey` or `DEEPSEEK_API_KEY`, read at call time.
 * Reasoning arrives as `reasoning_content` and cache hits as `prompt_cache_hit_tokens`, both read by the
 * shared adapter. DeepSeek has no embeddings: `embeddingModel` throws `EmbeddingsNotSupportedError`.
 *
 * @example
 * const deepseek = createDeepSeek();
 * const result = await deepseek.chatModel('deepseek-reasoner').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createDeepSeek(settings: ProviderSettings = {}): Provider {
  return createOpenAICompatible({
    ...settings,
    name: 'deepseek',
    baseURL: settings.baseURL ?? DEEPSEEK_BASE_URL,
    apiKeyEnvironmentVariables: ['DEEPSEEK_API_KEY'],
    supportsEmbeddings: false,
    prepareBody: (body, request) => prepareDeepSeekBody(body, request),
  });
}
