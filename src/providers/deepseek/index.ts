import type { ProviderDefinition } from '../provider-definition.js';
import { createDeepSeek } from './deepseek-provider.js';

export type { DeepSeekProviderOptions } from './deepseek-api.js';
export { createDeepSeek, DEEPSEEK_BASE_URL } from './deepseek-provider.js';

/** DeepSeek (`deepseek/deepseek-chat`, bare `deepseek-chat` / `deepseek-reasoner`). */
export const deepseekDefinition: ProviderDefinition = {
  id: 'deepseek',
  bareModels: [/^deepseek-(?:chat|reasoner)$/],
  credentialVariables: ['DEEPSEEK_API_KEY'],
  create: (options) => createDeepSeek(options),
};
