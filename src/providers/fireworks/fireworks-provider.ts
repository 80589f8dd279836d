import { loadSetting } from '../../provider-utils/api-key.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';
import { fireworksModelId, prepareFireworksBody } from './prepare-fireworks-body.js';

export const FIREWORKS_DEFAULT_BASE_URL = 'https://api.fireworks.ai/inference/v1';

/**
 * Fireworks AI (OpenAI-compatible chat and embeddings). Key from `apiKey` or `FIREWORKS_API_KEY`; base URL from
 * `baseURL`, `FIREWORKS_API_BASE` or the public API. `fireworks/llama-v3p1-8b-instruct` is short for
 * `fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct`.
 *
 * @example
 * const fireworks = createFireworks();
 * const result = await fireworks.chatModel('llama-v3p1-8b-instruct').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createFireworks(settings: ProviderSettings = {}): Provider {
  const base = createOpenAICompatible({
    ...settings,
    name: 'fireworks',
    baseURL:
      settings.baseURL ?? loadSetting(undefined, ['FIREWORKS_API_BASE'], settings.env) ?? FIREWORKS_DEFAULT_BASE_URL,
    apiKeyEnvironmentVariables: ['FIREWORKS_API_KEY'],
    prepareBody: prepareFireworksBody,
  });
  return { ...base, chatModel: (modelId) => base.chatModel(fireworksModelId(modelId)) };
}
