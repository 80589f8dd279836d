import type { ProviderDefinition } from '../provider-definition.js';
import { createOllama } from './ollama-provider.js';

export { createOllama, type OllamaProviderSettings } from './ollama-provider.js';
export { type OllamaProviderOptions, ollamaProviderOptionsSchema } from './ollama-provider-options.js';

/** A local or hosted Ollama server through its native API (`/api/chat`, `/api/embed`, `/api/tags`). */
export const ollamaDefinition: ProviderDefinition = {
  id: 'ollama',
  types: ['ollama'],
  create: (options) => createOllama(options),
};
