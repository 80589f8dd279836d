import type { ChatRequest, Warning } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';
import { convertMistralResponse } from './convert-mistral-response.js';
import { prepareMistralBody } from './convert-to-mistral-request.js';
import { describeMistralError } from './mistral-api.js';
import { MistralEmbeddingModel } from './mistral-embedding-model.js';
import type { MistralToolCallIdMap } from './mistral-tool-call-ids.js';

export const MISTRAL_BASE_URL = 'https://api.mistral.ai/v1';

/**
 * Mistral's chat and embeddings API. The key comes from `apiKey` or `MISTRAL_API_KEY`, read at call time.
 *
 * @example
 * const mistral = createMistral();
 * const result = await mistral.chatModel('mistral-small-latest').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createMistral(settings: ProviderSettings = {}): Provider {
  // The tool-call ids rewritten for a request, so the response's ids can be mapped back (see mistral-tool-call-ids.ts).
  const toolCallIds = new WeakMap<ChatRequest, MistralToolCallIdMap>();
  const base = createOpenAICompatible({
    ...settings,
    name: 'mistral',
    baseURL: settings.baseURL ?? MISTRAL_BASE_URL,
    apiKeyEnvironmentVariables: ['MISTRAL_API_KEY'],
    streamUsage: false,
    prepareBody: (body, request) => {
      const warnings: Warning[] = [];
      toolCallIds.set(request, prepareMistralBody(body, request, warnings));
      return warnings;
    },
    transformResponse: (value, { request }) => convertMistralResponse(value, toolCallIds.get(request)),
    describeError: describeMistralError,
  });
  return {
    ...base,
    embeddingModel: (modelId: string): EmbeddingModel =>
      new MistralEmbeddingModel(modelId, base.embeddingModel(modelId)),
  };
}
