import type { ProviderDefinition } from '../provider-definition.js';
import { createFireworks } from './fireworks-provider.js';

export { createFireworks, FIREWORKS_DEFAULT_BASE_URL } from './fireworks-provider.js';

/** Fireworks AI: `fireworks/<model>`; YAML `type: fireworks` or `fireworks_ai`. */
export const fireworksDefinition: ProviderDefinition = {
  id: 'fireworks',
  types: ['fireworks-ai', 'fireworks_ai', 'fireworksai'],
  credentialVariables: ['FIREWORKS_API_KEY'],
  create: ({ options: _options, ...settings }) => createFireworks(settings),
};
