import { loadSetting } from '../../provider-utils/api-key.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';

export const TOGETHER_DEFAULT_BASE_URL = 'https://api.together.xyz/v1';

/**
 * Together AI (OpenAI-compatible chat and embeddings). Key from `apiKey`, `TOGETHER_API_KEY` or the AI SDK's
 * `TOGETHER_AI_API_KEY`; base URL from `baseURL`, `TOGETHER_API_BASE` or the public API.
 *
 * @example
 * const together = createTogether();
 * const result = await together
 *   .chatModel('meta-llama/Llama-3.3-70B-Instruct-Turbo')
 *   .generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createTogether(settings: ProviderSettings = {}): Provider {
  return createOpenAICompatible({
    ...settings,
    name: 'together',
    baseURL:
      settings.baseURL ?? loadSetting(undefined, ['TOGETHER_API_BASE'], settings.env) ?? TOGETHER_DEFAULT_BASE_URL,
    apiKeyEnvironmentVariables: ['TOGETHER_API_KEY', 'TOGETHER_AI_API_KEY'],
    // Together's embeddings endpoint takes only `model` and `input`.
    supportsDimensions: false,
  });
}
