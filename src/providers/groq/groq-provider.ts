import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';
import { liftGroqStreamUsage } from './convert-groq-usage.js';
import { prepareGroqBody } from './convert-to-groq-request.js';

export const GROQ_BASE_URL = 'https://api.groq.com/openai/v1';

/**
 * Groq's OpenAI-compatible API. The key comes from `apiKey` or `GROQ_API_KEY`, read at call time.
 * Groq has no embeddings endpoint: `embeddingModel` throws `EmbeddingsNotSupportedError`.
 *
 * @example
 * const groq = createGroq();
 * const result = await groq.chatModel('llama-3.3-70b-versatile').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createGroq(settings: ProviderSettings = {}): Provider {
  return createOpenAICompatible({
    ...settings,
    name: 'groq',
    baseURL: settings.baseURL ?? GROQ_BASE_URL,
    apiKeyEnvironmentVariables: ['GROQ_API_KEY'],
    supportsEmbeddings: false,
    // Groq always reports stream usage (x_groq.usage); stream_options is not needed.
    streamUsage: false,
    prepareBody: (body, request) => prepareGroqBody(body, request),
    transformResponse: (value, { stream }) => (stream ? liftGroqStreamUsage(value) : value),
  });
}
