import type { ProviderDefinition } from '../provider-definition.js';
import { anthropicSettings } from '../provider-settings.js';
import { createAnthropic } from './anthropic-provider.js';

export { AnthropicChatModel } from './anthropic-chat-model.js';
export { type AnthropicProviderSettings, createAnthropic, DEFAULT_ANTHROPIC_BASE_URL } from './anthropic-provider.js';

/** Anthropic's Messages API; bare `claude-…` model names route here. */
export const anthropicDefinition: ProviderDefinition = {
  id: 'anthropic',
  settingsSchema: anthropicSettings.schema,
  types: ['claude'],
  bareModels: [/^claude-/],
  credentialVariables: ['ANTHROPIC_API_KEY'],
  create: (options) => {
    const { maxTokens, anthropicVersion } = anthropicSettings.read(options.options);
    return createAnthropic({ ...options, defaultMaxTokens: maxTokens, anthropicVersion });
  },
};
