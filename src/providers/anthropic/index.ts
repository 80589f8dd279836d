import { type ProviderDefinition, stringOption } from '../provider-definition.js';
import { anthropicSettingsSchema } from '../provider-settings.js';
import { createAnthropic } from './anthropic-provider.js';

export { AnthropicChatModel } from './anthropic-chat-model.js';
export { type AnthropicProviderSettings, createAnthropic, DEFAULT_ANTHROPIC_BASE_URL } from './anthropic-provider.js';

function positiveInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
}

/** Anthropic's Messages API; bare `claude-…` model names route here. */
export const anthropicDefinition: ProviderDefinition = {
  id: 'anthropic',
  settingsSchema: anthropicSettingsSchema,
  types: ['claude'],
  bareModels: [/^claude-/],
  credentialVariables: ['ANTHROPIC_API_KEY'],
  create: (options) => {
    const maxTokens = options.options?.maxTokens ?? options.options?.max_tokens;
    const defaultMaxTokens = positiveInteger(maxTokens);
    if (maxTokens !== undefined && defaultMaxTokens === undefined) {
      throw new Error(`The anthropic backend's maxTokens must be a positive integer, got ${String(maxTokens)}`);
    }
    return createAnthropic({
      ...options,
      defaultMaxTokens,
      anthropicVersion: stringOption(options.options, 'anthropicVersion', 'anthropic_version'),
    });
  },
};
