import type { ProviderDefinition } from '../provider-definition.js';
import { createGroq } from './groq-provider.js';

export type { GroqProviderOptions } from './groq-api.js';
export { createGroq, GROQ_BASE_URL } from './groq-provider.js';

/** Groq (`groq/llama-3.3-70b-versatile`); hosts other vendors' models, so no bare model names. */
export const groqDefinition: ProviderDefinition = {
  id: 'groq',
  credentialVariables: ['GROQ_API_KEY'],
  create: (options) => createGroq(options),
};
