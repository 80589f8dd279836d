import type { ProviderDefinition } from '../provider-definition.js';
import { createLlamaGate } from './llamagate-provider.js';

export { createLlamaGate, LLAMAGATE_DEFAULT_BASE_URL } from './llamagate-provider.js';

/** LlamaGate, hosted or self-hosted: `llamagate/<model>` (e.g. `llamagate/llama-3.1-8b`). */
export const llamagateDefinition: ProviderDefinition = {
  id: 'llamagate',
  credentialVariables: ['LLAMAGATE_API_KEY'],
  create: ({ options: _options, ...settings }) => createLlamaGate(settings),
};
