import type { ProviderDefinition } from '../provider-definition.js';
import { createOpenAICompatible } from './openai-compatible-provider.js';

export { createOpenAICompatible, type OpenAICompatibleProviderSettings } from './openai-compatible-provider.js';

/** Any OpenAI-compatible server (vLLM, LM Studio, llama.cpp, TGI…): a base URL and an optional key. */
export const openaiCompatibleDefinition: ProviderDefinition = {
  id: 'openai-compatible',
  types: ['vllm', 'lmstudio', 'llamacpp', 'llama.cpp', 'localai', 'tgi'],
  create: (options) => {
    if (options.baseURL === undefined) throw new Error('An openai-compatible backend needs an endpoint (base URL)');
    return createOpenAICompatible({
      ...options,
      name: 'openai-compatible',
      baseURL: options.baseURL,
      apiKeyRequired: false,
    });
  },
};
