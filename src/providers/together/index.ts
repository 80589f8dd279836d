import type { ProviderDefinition } from '../provider-definition.js';
import { createTogether } from './together-provider.js';

export { createTogether, TOGETHER_DEFAULT_BASE_URL } from './together-provider.js';

/** Together AI: `together/<org>/<model>`; YAML `type: together` or `togetherai`. */
export const togetherDefinition: ProviderDefinition = {
  id: 'together',
  types: ['togetherai', 'together-ai', 'together_ai'],
  credentialVariables: ['TOGETHER_API_KEY', 'TOGETHER_AI_API_KEY'],
  create: ({ options: _options, ...settings }) => createTogether(settings),
};
