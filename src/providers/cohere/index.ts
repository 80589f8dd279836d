import type { ProviderDefinition } from '../provider-definition.js';
import { createCohere } from './cohere-provider.js';

export { CohereChatModel } from './cohere-chat-model.js';
export { CohereEmbeddingModel } from './cohere-embedding-model.js';
export { type CohereProviderSettings, createCohere } from './cohere-provider.js';

/** Cohere (API v2): Command chat models, Embed models; `COHERE_API_KEY`, `COHERE_BASE_URL`. */
export const cohereDefinition: ProviderDefinition = {
  id: 'cohere',
  bareModels: [/^command(?:-|$)/, /^embed-(?:english|multilingual|v\d)/, /^c4ai-aya-/],
  create: (options) => createCohere(options),
};
